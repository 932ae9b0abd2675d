use std::path::Path;

/// Why a file could not be read. Messages are for the person who made the file.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the file is empty: expected a header row followed by data rows")]
    Empty,
    #[error("{0}")]
    Unsupported(String),
    #[error(
        "row {row} is not valid UTF-8 text; save the file as \"CSV UTF-8\" (in Excel: File > Save As > CSV UTF-8)"
    )]
    NotUtf8 { row: usize },
    #[error("row {row} could not be parsed as CSV: {message}")]
    Csv { row: usize, message: String },
    #[error("the spreadsheet could not be read: {0}")]
    Xlsx(String),
    #[error(
        "the XLSX file expands to more than {limit_mib} MiB when unzipped; refusing it (it may be a zip bomb). Split the data or save it as CSV"
    )]
    ZipBomb { limit_mib: u64 },
    #[error(
        "the sheet contains formulas (in {cells}); Campus imports values only: copy the cells and paste them as values, or save the sheet as CSV"
    )]
    Formulas { cells: String },
    #[error("cell {cell} holds a spreadsheet error value ({value}); fix or clear it")]
    CellError { cell: String, value: String },
    #[error("the file has more than {limit} data rows; split it into smaller files")]
    TooManyRows { limit: usize },
    #[error("row {row} has more than {limit} columns")]
    TooManyColumns { row: usize, limit: usize },
    #[error("row {row}, column {column}: a cell is longer than {limit} characters")]
    CellTooLong { row: usize, column: usize, limit: usize },
}

impl TabularError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// A stable machine-readable code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "unreadable_file",
            Self::Empty => "empty_file",
            Self::Unsupported(_) => "unsupported_format",
            Self::NotUtf8 { .. } => "bad_encoding",
            Self::Csv { .. } | Self::Xlsx(_) => "malformed_file",
            Self::ZipBomb { .. } => "file_too_large",
            Self::Formulas { .. } => "formula_cells",
            Self::CellError { .. } => "cell_error",
            Self::TooManyRows { .. } => "too_many_rows",
            Self::TooManyColumns { .. } => "too_many_columns",
            Self::CellTooLong { .. } => "cell_too_long",
        }
    }
}

//! Spreadsheet files in and out: CSV and XLSX.
//!
//! Reading streams rows from a blocking thread through a bounded channel, so memory is bounded
//! by the channel and one row, not by the file. Every limit a hostile file could push against
//! (row count, expanded XLSX size, cell length, encoding, formulas) ends the read with a
//! [`TabularError`] whose message tells a school administrator what to fix.
//!
//! Writing produces CSV (cells that a spreadsheet would run as a formula are neutralised) and
//! XLSX (bold header row, constant-memory worksheets).

mod csv_read;
mod error;
mod write;
mod xlsx_read;

use std::io::Cursor;
use std::path::PathBuf;

pub use error::TabularError;
pub use write::{Cell, CsvWriter, FileWriter, XlsxWriter, neutralise_formula};

/// The file formats Campus reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// From a `?format=` value or a file extension.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// Sniffs the first bytes: a ZIP container is XLSX, an OLE2 container is legacy XLS
    /// (refused with advice), anything else is read as CSV.
    pub fn sniff(head: &[u8]) -> Result<Self, TabularError> {
        if head.starts_with(b"PK\x03\x04") {
            Ok(Self::Xlsx)
        } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            Err(TabularError::Unsupported(
                "this is a legacy Excel 97-2003 (.xls) file; save it as .xlsx or as CSV UTF-8".into(),
            ))
        } else {
            Ok(Self::Csv)
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Bounds on what a read accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Data rows (the header not counted).
    pub max_rows: usize,
    /// Total bytes an XLSX may expand to when unzipped (zip-bomb guard).
    pub max_expanded_bytes: u64,
    /// Characters in one cell.
    pub max_cell_chars: usize,
    /// Columns in one row.
    pub max_columns: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 250_000,
            max_expanded_bytes: 256 * 1024 * 1024,
            max_cell_chars: 10_000,
            max_columns: 100,
        }
    }
}

/// One data row: its 1-based row number in the file (the header is row 1 when it is the
/// first line) and its cells, trimmed, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

/// Where the file comes from.
#[derive(Debug, Clone)]
pub enum Input {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

impl Input {
    fn head(&self) -> Result<Vec<u8>, TabularError> {
        match self {
            Self::Bytes(b) => Ok(b.iter().take(8).copied().collect()),
            Self::Path(p) => {
                use std::io::Read;
                let mut buf = Vec::with_capacity(8);
                std::fs::File::open(p)
                    .map_err(|e| TabularError::io(p, e))?
                    .take(8)
                    .read_to_end(&mut buf)
                    .map_err(|e| TabularError::io(p, e))?;
                Ok(buf)
            }
        }
    }
}

/// A table being read: its header, then its rows as they are parsed.
#[derive(Debug)]
pub struct TableReader {
    pub format: Format,
    pub header: Vec<String>,
    rows: tokio::sync::mpsc::Receiver<Result<Row, TabularError>>,
}

impl TableReader {
    /// Opens `input` (its format sniffed from the content) and reads the header row. Must be
    /// called inside a Tokio runtime; the parsing runs on the blocking pool.
    pub async fn open(input: Input, limits: Limits) -> Result<Self, TabularError> {
        let format = Format::sniff(&input.head()?)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel(512);
        tokio::task::spawn_blocking(move || {
            let sink = RowSink { tx, limits };
            let result = match (format, input) {
                (Format::Csv, Input::Path(p)) => match std::fs::File::open(&p) {
                    Ok(f) => csv_read::read(std::io::BufReader::new(f), &sink),
                    Err(e) => Err(TabularError::io(&p, e)),
                },
                (Format::Csv, Input::Bytes(b)) => csv_read::read(Cursor::new(b), &sink),
                (Format::Xlsx, Input::Path(p)) => match std::fs::File::open(&p) {
                    Ok(f) => xlsx_read::read(std::io::BufReader::new(f), &sink),
                    Err(e) => Err(TabularError::io(&p, e)),
                },
                (Format::Xlsx, Input::Bytes(b)) => xlsx_read::read(Cursor::new(b), &sink),
            };
            if let Err(e) = result {
                // The reader may have gone away; then nobody needs the error either.
                let _ = sink.tx.blocking_send(Err(e));
            }
        });
        let header = match rx.recv().await {
            Some(Ok(row)) => row.cells,
            Some(Err(e)) => return Err(e),
            None => return Err(TabularError::Empty),
        };
        Ok(Self {
            format,
            header,
            rows: rx,
        })
    }

    /// The next data row; `None` at the end of the file.
    pub async fn next(&mut self) -> Option<Result<Row, TabularError>> {
        self.rows.recv().await
    }
}

/// Where the parsing thread delivers rows; enforces the per-row limits.
struct RowSink {
    tx: tokio::sync::mpsc::Sender<Result<Row, TabularError>>,
    limits: Limits,
}

/// Whether the consumer still wants rows.
enum Flow {
    Continue,
    Stop,
}

impl RowSink {
    /// Sends row `number` (the first sent row is the header). Blank rows are skipped.
    fn send(&self, number: usize, sent: &mut usize, cells: Vec<String>) -> Result<Flow, TabularError> {
        if cells.iter().all(String::is_empty) {
            return Ok(Flow::Continue);
        }
        if cells.len() > self.limits.max_columns {
            return Err(TabularError::TooManyColumns {
                row: number,
                limit: self.limits.max_columns,
            });
        }
        if let Some(col) = cells
            .iter()
            .position(|c| c.chars().count() > self.limits.max_cell_chars)
        {
            return Err(TabularError::CellTooLong {
                row: number,
                column: col + 1,
                limit: self.limits.max_cell_chars,
            });
        }
        // `sent` counts the header too.
        if *sent > self.limits.max_rows {
            return Err(TabularError::TooManyRows {
                limit: self.limits.max_rows,
            });
        }
        *sent += 1;
        match self.tx.blocking_send(Ok(Row { number, cells })) {
            Ok(()) => Ok(Flow::Continue),
            Err(_) => Ok(Flow::Stop),
        }
    }
}

/// The file name a download of `stem` in `format` should carry.
pub fn file_name(stem: &str, format: Format) -> String {
    format!("{stem}.{}", format.extension())
}

#[cfg(test)]
mod tests;

//! Writers for exports. Both take rows of [`Cell`]s, header first.

use std::io::Write;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook, XlsxError};

/// One exported value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Empty, Into::into)
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<i32> for Cell {
    fn from(v: i32) -> Self {
        Self::Int(v.into())
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}

/// Text a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab or carriage return first) gets a
/// leading apostrophe, per OWASP's CSV-injection advice. Plain numbers and phone numbers
/// (`+91 98450 12345`, `-3.5`) are left alone.
pub fn neutralise_formula(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = match text.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !text[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '(' | ')' | '-')),
        _ => false,
    };
    if risky {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// CSV into any writer.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            inner: csv::WriterBuilder::new().flexible(true).from_writer(out),
        }
    }

    pub fn write_row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        let fields = cells.iter().map(|c| match c {
            Cell::Empty => String::new(),
            Cell::Text(t) => neutralise_formula(t).into_owned(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
        });
        self.inner.write_record(fields).map_err(std::io::Error::other)
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// An XLSX workbook with one constant-memory sheet; the first row written is the bold header.
pub struct XlsxWriter {
    book: Workbook,
    bold: XlsxFormat,
    next_row: u32,
}

impl std::fmt::Debug for XlsxWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxWriter")
            .field("rows", &self.next_row)
            .finish()
    }
}

impl XlsxWriter {
    pub fn new(sheet_name: &str) -> Result<Self, XlsxError> {
        let mut book = Workbook::new();
        book.add_worksheet_with_constant_memory()?.set_name(sheet_name)?;
        Ok(Self {
            book,
            bold: XlsxFormat::new().set_bold(),
            next_row: 0,
        })
    }

    pub fn write_row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let row = self.next_row;
        let sheet = self.book.worksheet_from_index(0)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
            match cell {
                Cell::Empty => {}
                Cell::Text(t) if row == 0 => {
                    sheet.write_string_with_format(row, col, t.as_str(), &self.bold)?;
                }
                Cell::Text(t) => {
                    sheet.write_string(row, col, t.as_str())?;
                }
                Cell::Int(i) => {
                    // Exact in an f64 for any id or count a school will have.
                    sheet.write_number(row, col, *i as f64)?;
                }
                Cell::Float(f) => {
                    sheet.write_number(row, col, *f)?;
                }
            }
        }
        if row == 0 {
            sheet.set_freeze_panes(1, 0)?;
        }
        self.next_row += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        self.book.save_to_buffer()
    }
}

/// A CSV or XLSX file built in memory, row by row (header first): one writer for surfaces that
/// offer both formats.
#[derive(Debug)]
pub enum FileWriter {
    // Both boxed: the writers carry large buffers of very different sizes.
    Csv(Box<CsvWriter<Vec<u8>>>),
    Xlsx(Box<XlsxWriter>),
}

impl FileWriter {
    /// `sheet` names the XLSX worksheet.
    pub fn new(format: crate::Format, sheet: &str) -> std::io::Result<Self> {
        Ok(match format {
            crate::Format::Csv => Self::Csv(Box::new(CsvWriter::new(Vec::new()))),
            crate::Format::Xlsx => {
                Self::Xlsx(Box::new(XlsxWriter::new(sheet).map_err(std::io::Error::other)?))
            }
        })
    }

    pub fn write_row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        match self {
            Self::Csv(w) => w.write_row(cells),
            Self::Xlsx(w) => w.write_row(cells).map_err(std::io::Error::other),
        }
    }

    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Self::Csv(w) => (*w).finish(),
            Self::Xlsx(w) => (*w).finish().map_err(std::io::Error::other),
        }
    }
}

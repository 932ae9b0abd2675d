//! XLSX: the first worksheet, streamed cell by cell. Before calamine parses anything the whole
//! archive is unzipped once into a sink with a byte budget (the zip-bomb guard: calamine keeps
//! the shared-strings table in memory), and the sheet is scanned for formula cells, which are
//! refused: an import takes values, not whatever a formula last computed.

use std::io::{self, Read, Seek, SeekFrom};

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use crate::{Flow, RowSink, TabularError};

/// How many formula cells an error message names.
const FORMULA_EXAMPLES: usize = 5;

pub(crate) fn read<RS: Read + Seek>(mut source: RS, sink: &RowSink) -> Result<(), TabularError> {
    check_expanded_size(&mut source, sink.limits.max_expanded_bytes)?;
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| TabularError::Xlsx(e.to_string()))?;
    let mut book: Xlsx<RS> = Xlsx::new(source).map_err(xlsx_error)?;
    let sheet = book.sheet_names().into_iter().next().ok_or(TabularError::Empty)?;
    refuse_formulas(&mut book, &sheet)?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(xlsx_error)?;
    let max_columns = sink.limits.max_columns;
    let mut sent = 0usize;
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, col) = cell.get_position();
        if col as usize >= max_columns {
            return Err(TabularError::TooManyColumns {
                row: row as usize + 1,
                limit: max_columns,
            });
        }
        let text = cell_text(cell.get_value(), row, col)?;
        match &mut current {
            Some((r, values)) if *r == row => put(values, col, text),
            _ => {
                if let Some((r, values)) = current.take()
                    && let Flow::Stop = sink.send(r as usize + 1, &mut sent, values)?
                {
                    return Ok(());
                }
                let mut values = Vec::new();
                put(&mut values, col, text);
                current = Some((row, values));
            }
        }
    }
    if let Some((r, values)) = current {
        sink.send(r as usize + 1, &mut sent, values)?;
    }
    if sent == 0 {
        return Err(TabularError::Empty);
    }
    Ok(())
}

fn put(values: &mut Vec<String>, col: u32, text: String) {
    let col = col as usize;
    if values.len() <= col {
        values.resize(col + 1, String::new());
    }
    values[col] = text;
}

/// Unzips every entry into a sink, counting real (not declared) bytes.
fn check_expanded_size<RS: Read + Seek>(source: &mut RS, limit: u64) -> Result<(), TabularError> {
    let mut archive = zip::ZipArchive::new(source)
        .map_err(|e| TabularError::Xlsx(format!("not a valid XLSX (zip) file: {e}")))?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| TabularError::Xlsx(format!("damaged archive entry: {e}")))?;
        let budget = limit.saturating_sub(total) + 1;
        let n = io::copy(&mut entry.take(budget), &mut io::sink())
            .map_err(|e| TabularError::Xlsx(format!("damaged archive entry: {e}")))?;
        total += n;
        if total > limit {
            return Err(TabularError::ZipBomb {
                limit_mib: limit / (1024 * 1024),
            });
        }
    }
    Ok(())
}

fn refuse_formulas<RS: Read + Seek>(book: &mut Xlsx<RS>, sheet: &str) -> Result<(), TabularError> {
    let mut reader = book.worksheet_cells_reader(sheet).map_err(xlsx_error)?;
    let mut found = Vec::new();
    let mut more = false;
    while let Some(cell) = reader.next_formula().map_err(xlsx_error)? {
        if cell.get_value().is_empty() {
            continue;
        }
        if found.len() == FORMULA_EXAMPLES {
            more = true;
            break;
        }
        let (row, col) = cell.get_position();
        found.push(cell_name(row, col));
    }
    if found.is_empty() {
        return Ok(());
    }
    let mut cells = found.join(", ");
    if more {
        cells.push_str(" and more");
    }
    Err(TabularError::Formulas { cells })
}

fn cell_text(value: &DataRef<'_>, row: u32, col: u32) -> Result<String, TabularError> {
    Ok(match value {
        DataRef::Empty => String::new(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.trim().to_owned(),
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => {
            return Err(TabularError::CellError {
                cell: cell_name(row, col),
                value: e.to_string(),
            });
        }
    })
}

/// `A1` notation for a 0-based position.
fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

fn xlsx_error(e: XlsxError) -> TabularError {
    match e {
        XlsxError::Password => TabularError::Unsupported(
            "the workbook is password protected; remove the password and try again".into(),
        ),
        other => TabularError::Xlsx(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cell_names() {
        assert_eq!(super::cell_name(0, 0), "A1");
        assert_eq!(super::cell_name(9, 25), "Z10");
        assert_eq!(super::cell_name(0, 26), "AA1");
        assert_eq!(super::cell_name(2, 27), "AB3");
    }
}

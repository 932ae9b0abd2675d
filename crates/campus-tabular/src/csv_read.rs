//! CSV: UTF-8 (a byte-order mark is dropped), comma separated, quoted fields, ragged rows
//! allowed (missing trailing cells read as empty).
//!
//! Row numbers are the file's line numbers, as a text editor shows them. The csv crate's
//! record positions go stale after skipped blank lines and with CRLF line ends, so lines are
//! counted here: the input passes through [`LineCounter`], which remembers where the newlines
//! are in the bytes read ahead, and a record's first line follows from the byte offset where
//! it ends, the newlines inside its quoted fields and whether its own line end was consumed.

use std::collections::VecDeque;
use std::io::Read;

use crate::{Flow, RowSink, TabularError};

/// Passes bytes through, noting the offsets of newlines not yet accounted for (at most one
/// read-ahead buffer's worth).
struct LineCounter<R> {
    inner: R,
    offset: u64,
    newlines: VecDeque<u64>,
    /// Newlines before the last record's end.
    counted: usize,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineCounter<R> {
    /// The first line of a record ending at byte `end` with `quoted` newlines inside it.
    fn first_line(&mut self, end: u64, quoted: usize) -> usize {
        let mut ends_with_newline = false;
        while let Some(&at) = self.newlines.front() {
            if at >= end {
                break;
            }
            self.newlines.pop_front();
            self.counted += 1;
            ends_with_newline = at + 1 == end;
        }
        (1 + self.counted).saturating_sub(quoted + usize::from(ends_with_newline))
    }
}

pub(crate) fn read<R: Read>(source: R, sink: &RowSink) -> Result<(), TabularError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineCounter {
            inner: source,
            offset: 0,
            newlines: VecDeque::new(),
            counted: 0,
        });
    let mut record = csv::ByteRecord::new();
    let mut sent = 0usize;
    let mut first = true;
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| csv_error(&e))?;
        if !more {
            break;
        }
        let mut quoted = 0;
        let mut fields = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            let mut field = field;
            if first && i == 0 {
                if field.starts_with(&[0xFF, 0xFE]) || field.starts_with(&[0xFE, 0xFF]) {
                    return Err(TabularError::Unsupported(
                        "the file is UTF-16 text; save it as \"CSV UTF-8\"".into(),
                    ));
                }
                field = field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field);
            }
            quoted += field.iter().filter(|b| **b == b'\n').count();
            fields.push(field);
        }
        first = false;
        let end = reader.position().byte();
        let row = reader.get_mut().first_line(end, quoted);
        let cells = fields
            .into_iter()
            .map(|f| std::str::from_utf8(f).map(|t| t.trim().to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TabularError::NotUtf8 { row })?;
        if let Flow::Stop = sink.send(row, &mut sent, cells)? {
            return Ok(());
        }
    }
    if sent == 0 {
        return Err(TabularError::Empty);
    }
    Ok(())
}

fn csv_error(e: &csv::Error) -> TabularError {
    let row = e.position().map_or(0, |p| p.line() as usize);
    TabularError::Csv {
        row,
        message: e.to_string(),
    }
}

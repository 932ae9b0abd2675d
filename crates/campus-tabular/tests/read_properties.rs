//! Property tests (proptest) for the import reader: arbitrary bytes never panic and always
//! end (in rows or a named error); a CSV written from generated cells reads back as those
//! cells, trimmed, with their row numbers; a cell past the limit is an error naming its row
//! and column.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use campus_tabular::{Input, Limits, Row, TableReader, TabularError};
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Reads everything: the header and every row, or the first error.
fn read_all(bytes: Vec<u8>, limits: Limits) -> Result<(Vec<String>, Vec<Row>), TabularError> {
    runtime().block_on(async move {
        let mut reader = TableReader::open(Input::Bytes(bytes), limits).await?;
        let mut rows = Vec::new();
        while let Some(row) = reader.next().await {
            rows.push(row?);
        }
        Ok((reader.header, rows))
    })
}

/// A CSV field, quoted when it needs to be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any bytes: an answer (rows or an error), never a panic or a hang.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_all(bytes, Limits::default());
    }

    /// Text that looks like CSV, with quotes, commas and line breaks in odd places.
    #[test]
    fn csv_like_text_never_panics(text in "[a-z0-9,\"\r\n =+-]{0,200}") {
        let _ = read_all(text.into_bytes(), Limits::default());
    }

    /// Generated cells written as CSV read back trimmed, each row with its line number.
    #[test]
    fn written_rows_read_back(rows in prop::collection::vec(prop::collection::vec("[A-Za-z0-9 ,\"]{1,8}", 3), 1..12)) {
        let header = ["roll_number", "name", "class_level"];
        let mut csv = header.join(",") + "\n";
        for row in &rows {
            csv += &row.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
            csv += "\n";
        }
        let (read_header, read_rows) = read_all(csv.into_bytes(), Limits::default()).unwrap();
        prop_assert_eq!(read_header, header.to_vec());
        let expected: Vec<(usize, Vec<String>)> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| (i + 2, row.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>()))
            .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
            .collect();
        let got: Vec<(usize, Vec<String>)> = read_rows.into_iter().map(|r| (r.number, r.cells)).collect();
        prop_assert_eq!(got, expected);
    }

    /// A cell over the limit is refused, naming its row and column.
    #[test]
    fn a_long_cell_names_its_row_and_column(before in 0usize..6, column in 0usize..3) {
        let limits = Limits { max_cell_chars: 5, ..Limits::default() };
        let mut csv = String::from("a,b,c\n");
        for _ in 0..before {
            csv += "x,y,z\n";
        }
        let mut cells = ["ok"; 3];
        cells[column] = "toolong";
        csv += &(cells.join(",") + "\n");
        match read_all(csv.into_bytes(), limits) {
            Err(TabularError::CellTooLong { row, column: col, limit }) => {
                prop_assert_eq!((row, col, limit), (before + 2, column + 1, 5));
            }
            other => prop_assert!(false, "expected CellTooLong, got {:?}", other),
        }
    }
}

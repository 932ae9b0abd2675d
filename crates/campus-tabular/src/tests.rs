use super::*;

async fn read_all(bytes: Vec<u8>, limits: Limits) -> Result<(Vec<String>, Vec<Row>), TabularError> {
    let mut reader = TableReader::open(Input::Bytes(bytes), limits).await?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next().await {
        rows.push(row?);
    }
    Ok((reader.header, rows))
}

fn xlsx(rows: &[&[Cell]]) -> Vec<u8> {
    let mut w = XlsxWriter::new("Students").unwrap();
    for r in rows {
        w.write_row(r).unwrap();
    }
    w.finish().unwrap()
}

#[tokio::test]
async fn csv_with_bom_quotes_and_blank_lines() {
    let data = "\u{feff}roll_number,name\n101,\"Arnav, K\"\n\n 102 , Diya \n"
        .as_bytes()
        .to_vec();
    let (header, rows) = read_all(data, Limits::default()).await.unwrap();
    assert_eq!(header, ["roll_number", "name"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].cells, ["101", "Arnav, K"]);
    assert_eq!(rows[1].number, 4);
    assert_eq!(rows[1].cells, ["102", "Diya"]);
}

#[tokio::test]
async fn csv_bad_encoding_names_the_row() {
    let mut data = b"roll_number,name\n101,Arnav\n102,".to_vec();
    data.extend_from_slice(&[0xC3, 0x28]); // invalid UTF-8 (e.g. a Latin-1 export)
    data.push(b'\n');
    let err = read_all(data, Limits::default()).await.unwrap_err();
    assert!(matches!(err, TabularError::NotUtf8 { row: 3 }), "{err:?}");
    assert!(err.to_string().contains("CSV UTF-8"));
}

#[tokio::test]
async fn utf16_and_legacy_xls_are_refused_with_advice() {
    let err = read_all(vec![0xFF, 0xFE, b'a', 0, b'\n', 0], Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unsupported_format");
    let err = read_all(vec![0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0], Limits::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(".xls"), "{err}");
}

#[tokio::test]
async fn empty_files_are_reported() {
    assert!(matches!(
        read_all(Vec::new(), Limits::default()).await,
        Err(TabularError::Empty)
    ));
    assert!(matches!(
        read_all(b"\n\n".to_vec(), Limits::default()).await,
        Err(TabularError::Empty)
    ));
}

#[tokio::test]
async fn row_limit_stops_the_read() {
    let mut data = String::from("roll_number\n");
    for i in 0..11 {
        data.push_str(&format!("{i}\n"));
    }
    let limits = Limits {
        max_rows: 10,
        ..Limits::default()
    };
    let err = read_all(data.clone().into_bytes(), limits).await.unwrap_err();
    assert!(matches!(err, TabularError::TooManyRows { limit: 10 }));
    let limits = Limits {
        max_rows: 11,
        ..Limits::default()
    };
    assert_eq!(read_all(data.into_bytes(), limits).await.unwrap().1.len(), 11);
}

#[tokio::test]
async fn long_cells_and_wide_rows_are_refused() {
    let limits = Limits {
        max_cell_chars: 5,
        max_columns: 3,
        ..Limits::default()
    };
    let err = read_all(b"a,b\n1,123456\n".to_vec(), limits).await.unwrap_err();
    assert!(
        matches!(
            err,
            TabularError::CellTooLong {
                row: 2,
                column: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let err = read_all(b"a,b\n1,2,3,4\n".to_vec(), limits).await.unwrap_err();
    assert!(
        matches!(err, TabularError::TooManyColumns { row: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn xlsx_round_trip() {
    let bytes = xlsx(&[
        &["roll_number".into(), "name".into(), "class_level".into()],
        &[Cell::Int(101), "Arnav".into(), Cell::Int(1)],
        &[Cell::Text("102".into()), "  Diya ".into(), Cell::Empty],
        &[Cell::Float(2.5), Cell::Empty, "x".into()],
    ]);
    let (header, rows) = read_all(bytes, Limits::default()).await.unwrap();
    assert_eq!(header, ["roll_number", "name", "class_level"]);
    assert_eq!(rows[0].cells, ["101", "Arnav", "1"]);
    assert_eq!(rows[1].cells, ["102", "Diya"]);
    assert_eq!(rows[2].cells, ["2.5", "", "x"]);
    assert_eq!(rows[2].number, 4);
}

#[tokio::test]
async fn xlsx_formulas_are_refused_naming_the_cells() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "roll_number").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    sheet.write_number(1, 0, 101).unwrap();
    sheet.write_formula(1, 1, "=CONCAT(\"A\",\"rnav\")").unwrap();
    let err = read_all(book.save_to_buffer().unwrap(), Limits::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TabularError::Formulas { cells } if cells == "B2"),
        "{err:?}"
    );
}

#[tokio::test]
async fn zip_bombs_are_refused_before_parsing() {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", opts).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..4 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    let bytes = out.into_inner();
    assert!(bytes.len() < 64 * 1024, "the test file should compress well");
    let limits = Limits {
        max_expanded_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let err = read_all(bytes, limits).await.unwrap_err();
    assert!(matches!(err, TabularError::ZipBomb { limit_mib: 1 }), "{err:?}");
}

#[tokio::test]
async fn a_zip_that_is_not_a_workbook_is_malformed() {
    let err = read_all(b"PK\x03\x04garbage".to_vec(), Limits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "malformed_file");
}

#[test]
fn csv_export_neutralises_formulas_but_not_phone_numbers() {
    let mut w = CsvWriter::new(Vec::new());
    w.write_row(&[
        "=HYPERLINK(\"x\")".into(),
        "+91 98450 12345".into(),
        "-2+3+cmd|' /C calc'!A0".into(),
        Cell::Int(-3),
    ])
    .unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    assert_eq!(
        text,
        "\"'=HYPERLINK(\"\"x\"\")\",+91 98450 12345,'-2+3+cmd|' /C calc'!A0,-3\n"
    );
}

#[tokio::test]
async fn a_million_rows_stop_at_the_limit_with_bounded_memory() {
    // 1,000,001 lines (~14 MiB). The reader stops at the limit; the channel holds at most 512
    // rows, so memory does not grow with the file.
    let mut data = String::with_capacity(15 * 1024 * 1024);
    data.push_str("roll_number,name\n");
    for i in 0..1_000_000 {
        data.push_str(&format!("{i},S{i}\n"));
    }
    let mut reader = TableReader::open(Input::Bytes(data.into_bytes()), Limits::default())
        .await
        .unwrap();
    let mut rows = 0usize;
    let err = loop {
        match reader.next().await {
            Some(Ok(_)) => rows += 1,
            Some(Err(e)) => break e,
            None => panic!("the limit must stop the read"),
        }
    };
    assert_eq!(rows, Limits::default().max_rows);
    assert!(
        matches!(err, TabularError::TooManyRows { limit: 250_000 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn row_numbers_count_blank_lines_quoted_newlines_and_a_missing_final_newline() {
    let data = "a,b\n1,2\n\n\n3,\"x\ny\"\r\n5,6\r\n7,8".as_bytes().to_vec();
    let (_, rows) = read_all(data, Limits::default()).await.unwrap();
    let numbers: Vec<usize> = rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [2, 5, 7, 8]);
}

#[tokio::test]
async fn row_numbers_hold_for_crlf_and_single_lines() {
    let data = "a,b\r\n1,2\r\n\r\n3,4\r\n".as_bytes().to_vec();
    let (_, rows) = read_all(data, Limits::default()).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 4]);
    let limits = Limits {
        max_cell_chars: 3,
        ..Limits::default()
    };
    let err = read_all(b"abcd".to_vec(), limits).await.unwrap_err();
    assert!(
        matches!(
            err,
            TabularError::CellTooLong {
                row: 1,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

//! Property tests (proptest) for seed 000's line edits: padding with empty lines, replacing a
//! line, and inserting into it at a character index that is clamped to the line.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use campus_domain::content::LineEdit;
use campus_domain::content::model::{apply_edit, split_lines};
use proptest::prelude::*;

/// Text of a few lines (any characters but line breaks inside a line).
fn document() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[^\r\n]{0,12}", 0..8)
}

proptest! {
    /// Replacing line N: the document has at least N lines, line N is the new text, every
    /// other existing line is unchanged, and lines added to reach N are empty.
    #[test]
    fn replacing_pads_and_touches_one_line(lines in document(), line in 1usize..12, text in "[^\r\n]{0,12}") {
        let original = lines.join("\n");
        let before = split_lines(&original);
        let edit = LineEdit { line, text: text.clone(), insert_at: None };
        let (result, operation, new_line) = apply_edit(&original, &edit);
        prop_assert_eq!(operation, "line_replaced");
        prop_assert_eq!(&new_line, &text);
        let after = split_lines(&result);
        if result.is_empty() {
            // One empty line and no lines are the same (empty) document.
            prop_assert!(text.is_empty() && before.len() <= 1 && line == 1);
            return Ok(());
        }
        prop_assert_eq!(after.len(), before.len().max(line));
        for (i, l) in after.iter().enumerate() {
            if i + 1 == line {
                prop_assert_eq!(l, &text);
            } else if i < before.len() {
                prop_assert_eq!(l, &before[i]);
            } else {
                prop_assert!(l.is_empty(), "padding line {} is {:?}", i + 1, l);
            }
        }
    }

    /// Inserting at any index (negative, past the end) clamps it into the line: the line
    /// becomes prefix + text + rest, one character count longer per inserted character.
    #[test]
    fn inserting_clamps_the_index(lines in document(), line in 1usize..10, text in "[^\r\n]{0,6}", at in -5i64..40) {
        let original = lines.join("\n");
        let before = split_lines(&original);
        let old: Vec<char> = before.get(line - 1).map(|l| l.chars().collect()).unwrap_or_default();
        let edit = LineEdit { line, text: text.clone(), insert_at: Some(at) };
        let (result, operation, new_line) = apply_edit(&original, &edit);
        prop_assert_eq!(operation, "inserted_into_line");
        let cut = usize::try_from(at.max(0)).unwrap().min(old.len());
        let expected: String = old[..cut].iter().collect::<String>() + &text + &old[cut..].iter().collect::<String>();
        prop_assert_eq!(&new_line, &expected);
        prop_assert_eq!(new_line.chars().count(), old.len() + text.chars().count());
        let after = split_lines(&result);
        if result.is_empty() {
            prop_assert!(expected.is_empty() && line == 1);
            return Ok(());
        }
        prop_assert_eq!(after.len(), before.len().max(line));
        prop_assert_eq!(&after[line - 1], &expected);
    }

    /// Line splitting treats `\r\n`, `\r` and `\n` alike and joins back losslessly for `\n`.
    #[test]
    fn splitting_and_joining_round_trip(lines in prop::collection::vec("[^\r\n]{0,12}", 1..8)) {
        let joined = lines.join("\n");
        if !joined.is_empty() {
            prop_assert_eq!(split_lines(&joined), lines.clone());
            prop_assert_eq!(split_lines(&lines.join("\r\n")), lines.clone());
            prop_assert_eq!(split_lines(&lines.join("\r")), lines);
        }
    }
}

//! Header rows: which column is which. Names match case-insensitively with spaces or hyphens
//! read as underscores (`Roll Number` = `roll_number`); unknown columns are refused rather than
//! ignored, so a typo cannot silently drop a field.

use campus_tabular::Row;

/// A column an import understands.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub required: bool,
    /// Other spellings accepted (seed 000's `roll`, `marks`...).
    pub aliases: &'static [&'static str],
}

impl ColumnSpec {
    pub const fn required(name: &'static str) -> Self {
        Self {
            name,
            required: true,
            aliases: &[],
        }
    }

    pub const fn optional(name: &'static str) -> Self {
        Self {
            name,
            required: false,
            aliases: &[],
        }
    }

    pub const fn aka(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
}

/// Positions of known columns in one file.
#[derive(Debug)]
pub(crate) struct ColumnMap {
    positions: Vec<(&'static str, usize)>,
}

fn normalise(header: &str) -> String {
    header
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

impl ColumnMap {
    pub fn new(specs: &[ColumnSpec], header: &[String]) -> Result<Self, String> {
        let allowed = || specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
        let mut positions: Vec<(&'static str, usize)> = Vec::new();
        let mut unknown = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let h = normalise(raw);
            if h.is_empty() {
                continue;
            }
            match specs
                .iter()
                .find(|s| s.name == h || s.aliases.contains(&h.as_str()))
            {
                Some(spec) if positions.iter().any(|(n, _)| *n == spec.name) => {
                    return Err(format!(
                        "column `{}` appears more than once in the header row",
                        spec.name
                    ));
                }
                Some(spec) => positions.push((spec.name, i)),
                None => unknown.push(format!("`{}`", raw.trim())),
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "unknown column(s) {} in the header row; the allowed columns are: {}",
                unknown.join(", "),
                allowed()
            ));
        }
        let missing: Vec<&str> = specs
            .iter()
            .filter(|s| s.required && !positions.iter().any(|(n, _)| *n == s.name))
            .map(|s| s.name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header row lacks the required column(s): {}; the allowed columns are: {}",
                missing.join(", "),
                allowed()
            ));
        }
        Ok(Self { positions })
    }

    /// The trimmed cell of `column`, or `None` if the file has no such column or the cell is
    /// empty.
    pub fn get<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        let (_, i) = self.positions.iter().find(|(n, _)| *n == column)?;
        row.cells.get(*i).map(String::as_str).filter(|c| !c.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec::required("roll_number").aka(&["roll"]),
        ColumnSpec::required("name"),
        ColumnSpec::optional("section"),
    ];

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn matches_spellings_and_aliases() {
        let map = ColumnMap::new(SPECS, &header(&["Name", " Roll ", "", "SECTION"])).unwrap();
        let row = Row {
            number: 2,
            cells: header(&["Arnav", "101", "x", ""]),
        };
        assert_eq!(map.get(&row, "roll_number"), Some("101"));
        assert_eq!(map.get(&row, "name"), Some("Arnav"));
        assert_eq!(map.get(&row, "section"), None);
    }

    #[test]
    fn wrong_headers_are_explained() {
        let err = ColumnMap::new(SPECS, &header(&["roll_number", "nmae"])).unwrap_err();
        assert!(
            err.contains("unknown column(s) `nmae`")
                && err.contains("allowed columns are: roll_number, name, section"),
            "{err}"
        );
        let err = ColumnMap::new(SPECS, &header(&["roll_number"])).unwrap_err();
        assert!(err.contains("lacks the required column(s): name"), "{err}");
        let err = ColumnMap::new(SPECS, &header(&["roll", "roll_number", "name"])).unwrap_err();
        assert!(err.contains("more than once"), "{err}");
    }
}

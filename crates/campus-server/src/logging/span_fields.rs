//! A span's fields as a JSON object, written straight into the span's field buffer.
//!
//! With JSON logs, `tracing-subscriber` formats a span's fields when the span is made (every
//! request makes one) with `JsonFields`, which collects them into a `BTreeMap` of
//! `serde_json::Value`s and serialises that: about a fifth of the instructions of a whole
//! `/healthz` request (docs/PERFORMANCE.md). [`SpanFields`] writes the same object directly
//! into the span's buffer. The JSON event formatter reads the object back only when an event
//! is logged inside the span.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

/// The span field formatter for JSON logs: `{"name":value,...}`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SpanFields;

impl<'writer> FormatFields<'writer> for SpanFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut object = Object::open(&mut writer)?;
        fields.record(&mut object);
        object.close()
    }

    /// Fields recorded after the span was made are appended to its object (a name recorded
    /// twice appears twice; a JSON reader keeps the last).
    fn add_fields(
        &self,
        current: &'writer mut tracing_subscriber::fmt::FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut object = match current.fields.strip_suffix('}').map(str::len) {
            Some(open) => {
                current.fields.truncate(open);
                Object::resume(&mut current.fields, open <= 1)
            }
            None => {
                current.fields.clear();
                Object::open(&mut current.fields)?
            }
        };
        fields.record(&mut object);
        object.close()
    }
}

/// One JSON object being written to `out`. The `Visit` methods cannot return errors: the
/// first one is kept and returned by [`Object::close`].
struct Object<W> {
    out: W,
    empty: bool,
    result: fmt::Result,
}

impl<W: fmt::Write> Object<W> {
    /// Starts an object: writes `{`.
    fn open(mut out: W) -> Result<Self, fmt::Error> {
        out.write_char('{')?;
        Ok(Self::resume(out, true))
    }

    /// Continues an object whose closing `}` has been taken off (`empty`: no field yet).
    fn resume(out: W, empty: bool) -> Self {
        Object {
            out,
            empty,
            result: Ok(()),
        }
    }

    fn close(mut self) -> fmt::Result {
        self.result?;
        self.out.write_char('}')
    }

    /// Writes `,"name":` (as `JsonFields` names them: `log.*` fields are skipped, `r#` is
    /// dropped), then the value written by `value`.
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let comma = !self.empty;
        self.empty = false;
        self.result = (|| {
            if comma {
                self.out.write_char(',')?;
            }
            write_json_string(&mut self.out, name.strip_prefix("r#").unwrap_or(name))?;
            self.out.write_char(':')?;
            value(&mut self.out)
        })();
    }
}

/// `text` as a JSON string: quoted, with `"`, `\` and control characters escaped.
fn write_json_string(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    write_json_contents(out, text)?;
    out.write_char('"')
}

/// `text` escaped for the inside of a JSON string.
fn write_json_contents(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.write_str(&text[plain..at])?;
        if escape.is_empty() {
            write!(out, "\\u{byte:04x}")?;
        } else {
            out.write_str(escape)?;
        }
        plain = at + 1;
    }
    out.write_str(&text[plain..])
}

/// Escapes a `Debug` value's text as it is written.
struct Escaped<'a, W>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Written in pieces, escaped piece by piece: escaping is per character.
        write_json_contents(self.0, s)
    }
}

impl<W: fmt::Write> Visit for Object<W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |out| write_json_string(out, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |out| {
            out.write_char('"')?;
            write!(Escaped(out), "{value:?}")?;
            out.write_char('"')
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |out| write!(out, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |out| write!(out, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |out| out.write_str(if value { "true" } else { "false" }));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: those become null, as serde_json writes them.
        self.field(field, |out| match serde_json::Number::from_f64(value) {
            Some(number) => write!(out, "{number}"),
            None => out.write_str("null"),
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_event_in_a_span_carries_the_span_fields_as_a_json_object() {
        let lines = Lines::default();
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(SpanFields)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                method = %"GET",
                debugged = ?"say \"hi\"",
                route = Some("/a \"quoted\" \\ path\n\t\u{1}"),
                absent = None::<&str>,
                request_id = "r-1",
                attempt = 3_u64,
                delta = -2_i64,
                ok = true,
                ratio = 0.5_f64,
                later = tracing::field::Empty,
            );
            span.record("later", "set after");
            span.in_scope(|| tracing::info!(status = 200, "inside"));
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(
            line["span"],
            serde_json::json!({
                "name": "request",
                "method": "GET",
                "debugged": "\"say \\\"hi\\\"\"",
                "route": "/a \"quoted\" \\ path\n\t\u{1}",
                "request_id": "r-1",
                "attempt": 3,
                "delta": -2,
                "ok": true,
                "ratio": 0.5,
                "later": "set after",
            }),
            "{text}"
        );
        assert_eq!(line["status"], 200);
        assert_eq!(line["message"], "inside");
    }
}

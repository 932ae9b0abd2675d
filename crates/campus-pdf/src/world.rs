//! The typst `World` a report is compiled in: the embedded templates, the document's data and
//! charts as in-memory files, typst-assets' embedded fonts (no system fonts, nothing read from
//! disk or downloaded), and a fixed "today" so a rendering depends only on its inputs.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The standard library and fonts, built once per process (read-only, so shared by every
/// rendering on every thread).
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// The files one compilation can see, by virtual path (`/main.typ`, `/data.json`, ...).
#[derive(Debug)]
pub(crate) struct ReportWorld {
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

pub(crate) fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

impl ReportWorld {
    /// `sources` are typst files (the first is the main one); `files` everything else.
    pub(crate) fn new(
        sources: &[(&str, &str)],
        files: Vec<(&str, Vec<u8>)>,
        today: chrono::NaiveDate,
    ) -> Option<Self> {
        use chrono::Datelike;
        let mut main = None;
        let mut source_map = HashMap::new();
        for (path, text) in sources {
            let id = file_id(path)?;
            main.get_or_insert(id);
            source_map.insert(id, Source::new(id, (*text).to_owned()));
        }
        let mut file_map = HashMap::new();
        for (path, bytes) in files {
            file_map.insert(file_id(path)?, Bytes::new(bytes));
        }
        let today = Datetime::from_ymd(
            today.year(),
            u8::try_from(today.month()).ok()?,
            u8::try_from(today.day()).ok()?,
        )?;
        Some(Self {
            main: main?,
            sources: source_map,
            files: file_map,
            today,
        })
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(source) = self.sources.get(&id) {
            return Ok(Bytes::from_string(source.text().to_owned()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

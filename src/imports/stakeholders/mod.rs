//! A CSV of stakeholders exported from any other system (a CRM, an EHR provider roster, a
//! spreadsheet), read through a column mapping the user confirms:
//! 1. [`preview`] reads the header and the first rows, detects the delimiter and
//!    [`suggest`]s a [`Field`] per column from its name;
//! 2. the user corrects the suggestion, which becomes a [`Mapping`];
//! 3. [`open`] streams the rows, each a [`StakeholderRow`] checked with the domain's rules,
//!    or a [`RowError`] naming its line and column.
//!
//! Files arrive as UTF-8 or Windows-1252, with a BOM, CRLF, quoted cells holding commas and
//! new lines, ragged rows; a binary file (a workbook, an image) is refused up front.

mod mapping;
mod names;
mod row;
mod values;

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use serde::Serialize;

pub use mapping::{Field, Mapping, suggest};
pub use row::{Key, StakeholderRow};

use super::RowError;
use super::text::{clean, decode, is_blank};

/// The longest header line read before deciding the file is not CSV.
const HEAD_LIMIT: usize = 256 * 1024;

/// What separates the cells, detected from the header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
    Pipe,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
            Delimiter::Pipe => b'|',
        }
    }

    /// The most frequent candidate outside quotes; a comma when none appears or on a tie.
    fn detect(line: &[u8]) -> Delimiter {
        let mut counts = [0usize; 4];
        let mut quoted = false;
        for b in line {
            match b {
                b'"' => quoted = !quoted,
                b',' if !quoted => counts[0] += 1,
                b';' if !quoted => counts[1] += 1,
                b'\t' if !quoted => counts[2] += 1,
                b'|' if !quoted => counts[3] += 1,
                _ => {}
            }
        }
        let best = (1..4).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
        [
            Delimiter::Comma,
            Delimiter::Semicolon,
            Delimiter::Tab,
            Delimiter::Pipe,
        ][best]
    }
}

/// What a mapping screen shows: the columns, a suggested field for each and the first rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preview {
    /// Cleaned header names; a blank one is called "Column N".
    pub headers: Vec<String>,
    pub suggested: Vec<Field>,
    /// The first non-blank rows, one cell per header (missing cells blank, extra ones dropped).
    pub rows: Vec<Vec<String>>,
    pub delimiter: Delimiter,
}

type Source<R> = LineCounter<io::Chain<io::Cursor<Vec<u8>>, io::BufReader<R>>>;

/// Counts lines as the CSV reader pulls bytes. The csv crate places a record at the line
/// ending that precedes it, so after a CRLF or a blank line its line numbers run short;
/// this finds the record's first byte instead. Only the line endings the reader has read
/// ahead of the current record are kept.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    /// Offsets and bytes of the `\r` and `\n` read but not yet passed.
    breaks: VecDeque<(u64, u8)>,
    newlines: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (at, b) in (self.offset..).zip(&buf[..n]) {
            if matches!(b, b'\r' | b'\n') {
                self.breaks.push_back((at, *b));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineCounter<R> {
    /// The 1-based line of the first byte at or after `start` that ends no line. Called
    /// with increasing offsets.
    fn line_at(&mut self, mut start: u64) -> u64 {
        while let Some(&(at, b)) = self.breaks.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            if b == b'\n' {
                self.newlines += 1;
            }
            self.breaks.pop_front();
        }
        self.newlines + 1
    }
}

/// The file's records after its header.
struct Started<R: Read> {
    records: csv::Reader<Source<R>>,
    headers: Vec<String>,
    delimiter: Delimiter,
}

/// Why the start of a file shows it is not text: `head` runs to the header line, `more` is
/// what follows it in the read buffer. The header line may hold no control character (a
/// PNG's first line ends in one) and the rest no NUL byte.
fn not_text(head: &[u8], more: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return Some(
            "The file is UTF-16 text. Save it as “CSV UTF-8” (or plain CSV) and try again.",
        );
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(
            "This is an Excel workbook (or another zip file), not CSV. Save it as CSV and try again.",
        );
    }
    let control =
        |b: &u8| *b == 0x7f || (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | b'\x0c'));
    let binary = head.starts_with(b"%PDF") || head.iter().any(control) || more.contains(&0);
    binary.then_some("This is not a CSV file: it contains binary data. Export the stakeholders as CSV and try again.")
}

/// Reads up to the first non-blank line (to detect the delimiter and refuse binary files),
/// then hands the whole file, those bytes included, to the CSV reader and reads the header.
fn start<R: Read>(input: R) -> Result<Started<R>, String> {
    let unreadable = |e: io::Error| format!("The file cannot be read: {e}.");
    let mut input = io::BufReader::new(input);
    let mut head = Vec::new();
    let mut line_start = 0;
    loop {
        let room = (HEAD_LIMIT - head.len()) as u64;
        let n = (&mut input)
            .take(room)
            .read_until(b'\n', &mut head)
            .map_err(unreadable)?;
        let line = &head[line_start..];
        if n == 0 || clean(&decode(line)).chars().any(|c| !c.is_whitespace()) {
            break;
        }
        if head.len() >= HEAD_LIMIT {
            return Err(
                "The file is mostly blank lines; this does not look like a CSV file.".into(),
            );
        }
        line_start = head.len();
    }
    if let Some(reason) = not_text(&head, input.fill_buf().map_err(unreadable)?) {
        return Err(reason.into());
    }
    if head.len() >= HEAD_LIMIT && !head.ends_with(b"\n") {
        return Err(
            "The first line is longer than 256 KB; this does not look like a CSV header.".into(),
        );
    }
    let delimiter = Delimiter::detect(&head[line_start..]);
    let mut records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(LineCounter {
            inner: io::Cursor::new(head).chain(input),
            offset: 0,
            breaks: VecDeque::new(),
            newlines: 0,
        });
    let mut header = csv::ByteRecord::new();
    loop {
        let more = records
            .read_byte_record(&mut header)
            .map_err(|e| format!("The file cannot be read as CSV: {e}."))?;
        if !more {
            return Err("The file is empty.".into());
        }
        if header.iter().any(|f| !clean(&decode(f)).is_empty()) {
            break;
        }
    }
    let headers = header
        .iter()
        .enumerate()
        .map(|(i, f)| match clean(&decode(f)) {
            "" => format!("Column {}", i + 1),
            name => name.to_string(),
        })
        .collect();
    Ok(Started {
        records,
        headers,
        delimiter,
    })
}

/// The header, a suggested mapping and the first `rows` rows of a file.
pub fn preview<R: Read>(input: R, rows: usize) -> Result<Preview, String> {
    let mut started = start(input)?;
    let width = started.headers.len();
    let mut sample = Vec::new();
    let mut record = csv::ByteRecord::new();
    while sample.len() < rows {
        // A read error stops the sample; the reader reports it with its line.
        match started.records.read_byte_record(&mut record) {
            Ok(true) if record.iter().all(|f| is_blank(&decode(f))) => {}
            Ok(true) => sample.push(
                (0..width)
                    .map(|i| {
                        record
                            .get(i)
                            .map(|f| clean(&decode(f)).to_string())
                            .unwrap_or_default()
                    })
                    .collect(),
            ),
            Ok(false) | Err(_) => break,
        }
    }
    Ok(Preview {
        suggested: suggest(&started.headers),
        headers: started.headers,
        rows: sample,
        delimiter: started.delimiter,
    })
}

/// A streaming reader of stakeholder rows.
pub struct StakeholderReader<R: Read> {
    records: csv::Reader<Source<R>>,
    headers: Vec<String>,
    fields: Vec<Field>,
    delimiter: Delimiter,
    record: csv::ByteRecord,
    /// Set after an unreadable record: the input cannot be trusted past it.
    done: bool,
}

/// Opens a file with a mapping made for its columns (from [`preview`] of the same file).
pub fn open<R: Read>(input: R, mapping: &Mapping) -> Result<StakeholderReader<R>, String> {
    let started = start(input)?;
    let fields = mapping.fields().to_vec();
    if fields.len() != started.headers.len() {
        return Err(format!(
            "The mapping has {} columns but the file has {}; map this file's columns again.",
            fields.len(),
            started.headers.len()
        ));
    }
    Ok(StakeholderReader {
        records: started.records,
        headers: started.headers,
        fields,
        delimiter: started.delimiter,
        record: csv::ByteRecord::new(),
        done: false,
    })
}

impl<R: Read> StakeholderReader<R> {
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }
}

impl<R: Read> Iterator for StakeholderReader<R> {
    type Item = Result<StakeholderRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.records.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    let byte = e
                        .position()
                        .map_or(self.records.position().byte(), csv::Position::byte);
                    let line = self.records.get_mut().line_at(byte);
                    return Some(Err(RowError::new(line, None, format!("unreadable: {e}"))));
                }
            }
            if self.done || self.record.iter().all(|f| is_blank(&decode(f))) {
                continue;
            }
            let byte = self
                .record
                .position()
                .map_or(self.records.position().byte(), csv::Position::byte);
            let line = self.records.get_mut().line_at(byte);
            return Some(row::read(line, &self.headers, &self.fields, &self.record));
        }
        None
    }
}

#[cfg(test)]
mod tests;

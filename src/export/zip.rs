//! A ZIP archive written front to back, so a download can start before the data is read.
//!
//! Each entry is deflated and its CRC-32 and sizes follow it in a data descriptor (general
//! purpose flag bit 3), as APPNOTE 4.3.9 allows when they are not known up front; the central
//! directory closes the archive. Names are UTF-8 (flag bit 11). Archives and entries stay
//! under 4 GiB (no ZIP64): [`ZipWriter`] says so with an error instead of writing a bad file.

use std::io::{self, Write};

use chrono::{Datelike, NaiveDateTime, Timelike};
use flate2::Compression;
use flate2::write::DeflateEncoder;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
/// Version 2.0: deflate and data descriptors.
const VERSION: u16 = 20;
/// Sizes in a data descriptor, names in UTF-8.
const FLAGS: u16 = (1 << 3) | (1 << 11);
const DEFLATE: u16 = 8;

/// The largest size or offset a plain (not ZIP64) archive can record.
const LIMIT: u64 = u32::MAX as u64;

struct Written {
    name: String,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

struct Open {
    name: String,
    offset: u64,
    crc: crc32fast::Hasher,
    size: u64,
    compressed: u64,
    encoder: DeflateEncoder<Vec<u8>>,
}

/// Writes an archive into a buffer that the caller drains with [`ZipWriter::take`].
pub struct ZipWriter {
    out: Vec<u8>,
    offset: u64,
    time: u16,
    date: u16,
    done: Vec<Written>,
    open: Option<Open>,
}

impl ZipWriter {
    /// Entries carry `modified` as their time (MS-DOS resolution: two seconds, from 1980).
    pub fn new(modified: NaiveDateTime) -> ZipWriter {
        let (time, date) = dos_time(modified);
        ZipWriter {
            out: Vec::new(),
            offset: 0,
            time,
            date,
            done: Vec::new(),
            open: None,
        }
    }

    /// Ends the open entry, if any, and starts one called `name`.
    pub fn start(&mut self, name: &str) -> io::Result<()> {
        self.finish_entry()?;
        let offset = self.offset;
        let mut header = Vec::with_capacity(30 + name.len());
        put32(&mut header, LOCAL_HEADER);
        put16(&mut header, VERSION);
        put16(&mut header, FLAGS);
        put16(&mut header, DEFLATE);
        put16(&mut header, self.time);
        put16(&mut header, self.date);
        // CRC and sizes follow the data, in the descriptor.
        put32(&mut header, 0);
        put32(&mut header, 0);
        put32(&mut header, 0);
        put16(&mut header, name_len(name)?);
        put16(&mut header, 0);
        header.extend_from_slice(name.as_bytes());
        self.emit(&header)?;
        self.open = Some(Open {
            name: name.to_string(),
            offset,
            crc: crc32fast::Hasher::new(),
            size: 0,
            compressed: 0,
            encoder: DeflateEncoder::new(Vec::new(), Compression::fast()),
        });
        Ok(())
    }

    /// Adds data to the open entry.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let Some(open) = self.open.as_mut() else {
            return Err(io::Error::other("no archive entry is open"));
        };
        open.crc.update(data);
        open.size += data.len() as u64;
        open.encoder.write_all(data)?;
        let compressed = std::mem::take(open.encoder.get_mut());
        open.compressed += compressed.len() as u64;
        if open.size > LIMIT {
            return Err(too_big());
        }
        self.emit(&compressed)
    }

    /// How many bytes wait to be taken.
    pub fn pending(&self) -> usize {
        self.out.len()
    }

    /// The bytes written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Ends the last entry and writes the central directory; returns the remaining bytes.
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        self.finish_entry()?;
        let start = self.offset;
        let mut directory = Vec::new();
        for entry in &self.done {
            put32(&mut directory, CENTRAL_HEADER);
            put16(&mut directory, VERSION);
            put16(&mut directory, VERSION);
            put16(&mut directory, FLAGS);
            put16(&mut directory, DEFLATE);
            put16(&mut directory, self.time);
            put16(&mut directory, self.date);
            put32(&mut directory, entry.crc);
            put32(&mut directory, small(entry.compressed)?);
            put32(&mut directory, small(entry.size)?);
            put16(&mut directory, name_len(&entry.name)?);
            // Extra field, comment, disk number, internal and external attributes.
            put16(&mut directory, 0);
            put16(&mut directory, 0);
            put16(&mut directory, 0);
            put16(&mut directory, 0);
            put32(&mut directory, 0);
            put32(&mut directory, small(entry.offset)?);
            directory.extend_from_slice(entry.name.as_bytes());
        }
        let count = u16::try_from(self.done.len())
            .map_err(|_| io::Error::other("an archive holds at most 65,535 files"))?;
        let size = directory.len() as u64;
        put32(&mut directory, END_OF_DIRECTORY);
        put16(&mut directory, 0);
        put16(&mut directory, 0);
        put16(&mut directory, count);
        put16(&mut directory, count);
        put32(&mut directory, small(size)?);
        put32(&mut directory, small(start)?);
        put16(&mut directory, 0);
        self.emit(&directory)?;
        Ok(self.out)
    }

    fn finish_entry(&mut self) -> io::Result<()> {
        let Some(mut open) = self.open.take() else {
            return Ok(());
        };
        let rest = open.encoder.finish()?;
        open.compressed += rest.len() as u64;
        self.emit(&rest)?;
        let crc = open.crc.finalize();
        let mut descriptor = Vec::with_capacity(16);
        put32(&mut descriptor, DATA_DESCRIPTOR);
        put32(&mut descriptor, crc);
        put32(&mut descriptor, small(open.compressed)?);
        put32(&mut descriptor, small(open.size)?);
        self.emit(&descriptor)?;
        self.done.push(Written {
            name: open.name,
            crc,
            compressed: open.compressed,
            size: open.size,
            offset: open.offset,
        });
        Ok(())
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.extend_from_slice(bytes);
        self.offset += bytes.len() as u64;
        if self.offset > LIMIT {
            return Err(too_big());
        }
        Ok(())
    }
}

fn too_big() -> io::Error {
    io::Error::other("the archive would pass 4 GB, more than a ZIP file without extensions holds")
}

fn small(n: u64) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| too_big())
}

fn name_len(name: &str) -> io::Result<u16> {
    u16::try_from(name.len()).map_err(|_| io::Error::other("file name too long for an archive"))
}

fn put16(out: &mut Vec<u8>, n: u16) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// MS-DOS time and date; times before 1980 (which it cannot hold) become 1980-01-01.
fn dos_time(at: NaiveDateTime) -> (u16, u16) {
    if at.year() < 1980 || at.year() > 2107 {
        return (0, (1 << 5) | 1);
    }
    let time = (at.hour() << 11) | (at.minute() << 5) | (at.second() / 2);
    let date = ((at.year() as u32 - 1980) << 9) | (at.month() << 5) | at.day();
    (time as u16, date as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use flate2::read::DeflateDecoder;
    use std::io::Read;

    fn le16(b: &[u8], at: usize) -> usize {
        u16::from_le_bytes([b[at], b[at + 1]]) as usize
    }
    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// Reads an archive through its central directory, checking every CRC.
    fn read(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
        let end = archive.len() - 22;
        assert_eq!(le32(archive, end), END_OF_DIRECTORY);
        let count = le16(archive, end + 10);
        let mut at = le32(archive, end + 16) as usize;
        let mut files = Vec::new();
        for _ in 0..count {
            assert_eq!(le32(archive, at), CENTRAL_HEADER);
            let crc = le32(archive, at + 16);
            let compressed = le32(archive, at + 20) as usize;
            let size = le32(archive, at + 24) as usize;
            let name_len = le16(archive, at + 28);
            let local = le32(archive, at + 42) as usize;
            let name = String::from_utf8(archive[at + 46..at + 46 + name_len].to_vec()).unwrap();
            assert_eq!(le32(archive, local), LOCAL_HEADER);
            let data = local + 30 + le16(archive, local + 26);
            let mut out = Vec::new();
            DeflateDecoder::new(&archive[data..data + compressed])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out.len(), size);
            assert_eq!(crc32fast::hash(&out), crc);
            assert_eq!(le32(archive, data + compressed), DATA_DESCRIPTOR);
            files.push((name, out));
            at += 46 + name_len;
        }
        files
    }

    fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(13, 45, 31)
            .unwrap()
    }

    #[test]
    fn entries_written_in_pieces_read_back_whole() {
        let mut zip = ZipWriter::new(at(2026, 12, 3));
        let mut bytes = Vec::new();
        zip.start("stakeholders.csv").unwrap();
        for i in 0..5000 {
            zip.write(format!("{i},Jane,Núñez\n").as_bytes()).unwrap();
            bytes.extend(zip.take());
        }
        zip.start("empty.csv").unwrap();
        zip.start("manifest.json").unwrap();
        zip.write(b"{}").unwrap();
        bytes.extend(zip.finish().unwrap());
        let files = read(&bytes);
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].0, "stakeholders.csv");
        assert!(files[0].1.starts_with(b"0,Jane,N\xc3\xba\xc3\xb1ez\n1,"));
        assert_eq!(files[0].1.iter().filter(|&&b| b == b'\n').count(), 5000);
        assert_eq!(files[1], ("empty.csv".to_string(), Vec::new()));
        assert_eq!(files[2].1, b"{}");
    }

    #[test]
    fn an_empty_archive_is_only_its_directory_end() {
        let bytes = ZipWriter::new(at(2026, 1, 1)).finish().unwrap();
        assert_eq!(bytes.len(), 22);
        assert!(read(&bytes).is_empty());
    }

    #[test]
    fn writing_without_an_entry_is_an_error_not_a_panic() {
        assert!(ZipWriter::new(at(2026, 1, 1)).write(b"x").is_err());
    }

    #[test]
    fn dos_times_pack_two_second_resolution_and_clamp_old_dates() {
        let (time, date) = dos_time(at(2026, 12, 3));
        assert_eq!(time, (13 << 11) | (45 << 5) | 15);
        assert_eq!(date, (46 << 9) | (12 << 5) | 3);
        assert_eq!(dos_time(at(1970, 1, 1)), (0, 33));
    }
}

//! Reading bytes the way format detection and NDJSON need: skipping blank space, lines
//! capped in length, putting bytes already looked at back in front of the rest.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

use serde_json::Value;

use crate::imports::text::decode;

/// Bytes already looked at, then the rest of the file.
pub(super) type Input<R> = Chain<Cursor<Vec<u8>>, BufReader<R>>;

/// Skips whitespace; returns how many line ends it passed.
pub(super) fn skip_blank(input: &mut impl BufRead) -> io::Result<u64> {
    let mut lines = 0;
    loop {
        let chunk = input.fill_buf()?;
        let blank = chunk.iter().take_while(|b| b.is_ascii_whitespace()).count();
        lines += chunk.iter().take(blank).filter(|b| **b == b'\n').count() as u64;
        let more = blank > 0 && blank == chunk.len();
        input.consume(blank);
        if !more {
            return Ok(lines);
        }
    }
}

pub(super) fn peek(input: &mut impl BufRead) -> io::Result<Option<u8>> {
    Ok(input.fill_buf()?.first().copied())
}

/// Reads one line, its `\n` included, if it is at most `max` bytes; a longer line is
/// skipped to its end, `buf` left empty and `true` returned with the count.
pub(super) fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: u64,
) -> io::Result<(usize, bool)> {
    let n = (&mut *input)
        .take(max.saturating_add(1))
        .read_until(b'\n', buf)?;
    if n as u64 <= max {
        return Ok((n, false));
    }
    if buf.last() != Some(&b'\n') {
        loop {
            let chunk = input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    input.consume(i + 1);
                    break;
                }
                None => {
                    let len = chunk.len();
                    input.consume(len);
                }
            }
        }
    }
    buf.clear();
    Ok((n, true))
}

/// Puts `bytes` back in front of what is left to read.
pub(super) fn unread<R: Read>(input: Input<R>, mut bytes: Vec<u8>) -> Input<R> {
    let (cursor, rest) = input.into_inner();
    let at = usize::try_from(cursor.position()).unwrap_or(usize::MAX);
    bytes.extend_from_slice(cursor.get_ref().get(at..).unwrap_or_default());
    Cursor::new(bytes).chain(rest)
}

/// JSON from bytes: UTF-8, or Windows-1252 on the lines that are not UTF-8. A byte-order
/// mark in front (NDJSON files concatenated) is dropped.
pub(super) fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(
            bytes
                .split(|b| *b == b'\n')
                .map(decode)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
}

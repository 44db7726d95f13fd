//! Moving rows from a reader running on a blocking thread into PostgreSQL with `COPY`: the
//! reader parses and checks rows while the connection writes the previous megabyte, so
//! parsing and loading overlap on two cores.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::PgConnection;
use tokio::sync::mpsc;

use super::JobError;

/// How much COPY text is sent at once.
const BUFFER: usize = 1 << 20;

/// Where a job is, shared between the reader thread, the progress reporter and the worker.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes: AtomicU64,
    pub rows: AtomicU64,
    pub cancel: AtomicBool,
}

/// Rows between progress reports from an importer's reading loop.
const REPORT_EVERY: i64 = 1024;

impl Progress {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Called once a row by an importer's reading loop: every [`REPORT_EVERY`] rows it
    /// publishes the count and looks for a cancel (an error). `true` means the sink stopped
    /// taking rows and the loop should end.
    pub fn row_read(&self, rows: i64, sink: &CopySink) -> Result<bool, super::JobError> {
        if rows % REPORT_EVERY != 0 {
            return Ok(false);
        }
        self.rows.store(rows as u64, Ordering::Relaxed);
        if self.cancelled() {
            return Err(super::JobError::Cancelled);
        }
        Ok(sink.closed())
    }
}

/// A reader that counts the bytes read into [`Progress`].
pub struct Counting<R> {
    pub inner: R,
    pub progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Rows in PostgreSQL's COPY text format, handed over a megabyte at a time.
pub struct CopySink {
    buf: Vec<u8>,
    out: mpsc::Sender<Vec<u8>>,
    closed: bool,
}

impl CopySink {
    /// Whether the loading side has gone (an error there): the reader should stop.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Appends one row; `None` is SQL null.
    pub fn row(&mut self, fields: &[Option<&str>]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.buf.push(b'\t');
            }
            match f {
                None => self.buf.extend_from_slice(b"\\N"),
                Some(s) => escape_into(&mut self.buf, s),
            }
        }
        self.buf.push(b'\n');
        if self.buf.len() >= BUFFER {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.buf.is_empty() || self.closed {
            return;
        }
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(BUFFER + 4096));
        if self.out.blocking_send(full).is_err() {
            self.closed = true;
        }
    }
}

fn escape_into(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// A text array literal for COPY (`{"a","b"}`) of words that are letters and digits only
/// (quoted, or a person named Null would become a null).
pub fn word_array(words: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("{");
    for (i, w) in words.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(&w);
        out.push('"');
    }
    out.push('}');
    out
}

/// Runs `produce` on a blocking thread, streaming the rows it writes into `copy_sql`
/// (`copy <table> (...) from stdin`) on `conn`. Returns what `produce` returned.
pub async fn copy_rows<T, F>(
    conn: &mut PgConnection,
    copy_sql: &str,
    produce: F,
) -> Result<T, JobError>
where
    T: Send + 'static,
    F: FnOnce(&mut CopySink) -> Result<T, JobError> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(4);
    let reader = tokio::task::spawn_blocking(move || {
        let mut sink = CopySink {
            buf: Vec::with_capacity(BUFFER + 4096),
            out: tx,
            closed: false,
        };
        let out = produce(&mut sink);
        sink.flush();
        out
    });
    let mut copy = conn.copy_in_raw(copy_sql).await?;
    let mut failure = None;
    while let Some(buf) = rx.recv().await {
        if let Err(e) = copy.send(buf).await {
            failure = Some(e);
            break;
        }
    }
    // Dropping the receiver tells the reader to stop, if it has not.
    drop(rx);
    let produced = reader
        .await
        .map_err(|e| JobError::Internal(anyhow::anyhow!("the file reader stopped: {e}")))?;
    match failure {
        Some(e) => {
            let _ = copy.abort("the import stopped").await;
            Err(e.into())
        }
        None => match produced {
            Ok(out) => {
                copy.finish().await?;
                Ok(out)
            }
            Err(e) => {
                let _ = copy.abort("the import stopped").await;
                Err(e)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_would_split_a_row() {
        let mut buf = Vec::new();
        escape_into(&mut buf, "a\tb\\c\nd\re");
        assert_eq!(buf, b"a\\tb\\\\c\\nd\\re");
    }

    #[test]
    fn word_arrays_are_array_literals() {
        assert_eq!(
            word_array(vec!["ana".into(), "ruiz".into()]),
            r#"{"ana","ruiz"}"#
        );
        assert_eq!(word_array(Vec::<String>::new()), "{}");
    }
}

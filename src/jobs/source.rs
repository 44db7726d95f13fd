//! Where a job's file comes from: the chunks an upload left in PostgreSQL, or a file on the
//! disk of the command that queued it.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use sqlx::PgPool;
use tokio::runtime::Handle;
use uuid::Uuid;

use crate::db;
use crate::domain::TenantId;
use crate::postgres::tenant_tx;

pub enum Input {
    File(PathBuf),
    Chunks(ChunkReader),
}

impl Input {
    /// A reader for a blocking thread.
    pub fn open(self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Input::File(path) => Box::new(BufReader::with_capacity(1 << 20, File::open(path)?)),
            Input::Chunks(c) => Box::new(c),
        })
    }
}

/// Reads an uploaded file chunk by chunk, each in its own short transaction, from a
/// blocking thread (it waits on the runtime for each chunk).
pub struct ChunkReader {
    pool: PgPool,
    tenant: TenantId,
    job: Uuid,
    runtime: Handle,
    seq: i32,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ChunkReader {
    pub fn new(pool: PgPool, tenant: TenantId, job: Uuid, runtime: Handle) -> Self {
        Self {
            pool,
            tenant,
            job,
            runtime,
            seq: 0,
            buf: Vec::new(),
            pos: 0,
            done: false,
        }
    }

    fn fetch(&mut self) -> std::io::Result<()> {
        let (pool, tenant, job, seq) = (self.pool.clone(), self.tenant, self.job, self.seq);
        let chunk = self
            .runtime
            .block_on(async move {
                let mut tx = tenant_tx(&pool, tenant).await?;
                let chunk = db::imports::chunk(&mut tx, job, seq).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(chunk)
            })
            .map_err(std::io::Error::other)?;
        match chunk {
            Some(data) => {
                self.buf = data;
                self.pos = 0;
                self.seq += 1;
            }
            None => self.done = true,
        }
        Ok(())
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.fetch()?;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

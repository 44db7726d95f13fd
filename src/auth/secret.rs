//! Random secrets for session cookies and API tokens, and the hashes we store instead.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use blake2::{Blake2b, Digest, digest::consts::U32};

use crate::domain::TenantId;

/// 32 random bytes as 64 lower-case hex characters.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// BLAKE2b-256 of a secret: what the database keeps. A secret of 256 random bits needs no
/// slow hash; a leaked table still cannot be turned back into cookies or tokens.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    let mut hasher = Blake2b::<U32>::new();
    hasher.update(secret.as_bytes());
    hasher.finalize().to_vec()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// A credential that names its workspace: `<tenant uuid, 32 hex>.<secret, 64 hex>`.
/// The tenant part lets the lookup run inside that tenant's row-level security scope;
/// a forged tenant part finds nothing, because the secret's hash lives under one tenant only.
pub fn compose(tenant: TenantId, secret: &str) -> String {
    format!("{}.{}", tenant.0.simple(), secret)
}

/// Splits a value made by [`compose`]; `None` for anything malformed.
pub fn decompose(value: &str) -> Option<(TenantId, &str)> {
    let (tenant, secret) = value.split_once('.')?;
    if tenant.len() != 32 || secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let tenant = uuid::Uuid::try_parse(tenant).ok()?;
    Some((TenantId(tenant), secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_values_split_back() {
        let tenant = TenantId::new();
        let secret = random_secret();
        let value = compose(tenant, &secret);
        assert_eq!(decompose(&value), Some((tenant, secret.as_str())));
    }

    #[test]
    fn malformed_values_are_refused() {
        assert_eq!(decompose(""), None);
        assert_eq!(decompose("abc.def"), None);
        let tenant = TenantId::new().0.simple().to_string();
        assert_eq!(decompose(&format!("{tenant}.{}", "z".repeat(64))), None);
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_eq!(hash_secret("a").len(), 32);
    }
}

//! `make keygen` / `make sign`: a cosign key pair, and a cosign-style signature of the pushed
//! policy stored in the registry beside it (the `sha256-<digest>.sig` tag), where kwctl and
//! policy-server look for it. The sigstore crate does the cryptography and the OCI layout.
//!
//!   sampledb-sign keygen DIR                         writes DIR/cosign.key and DIR/cosign.pub
//!   sampledb-sign sign HOST/NAME:TAG DIR [SOURCES]   signs with DIR/cosign.key
//!   sampledb-sign sign-blob FILE DIR                 writes FILE.sig, signed with DIR/cosign.key
//!   sampledb-sign verify-blob FILE PUBLIC-KEY SIG    checks SIG (e.g. the SBOM's) against FILE
//!
//! A blob's signature is what `cosign sign-blob --key` writes (`--output-signature`): the base64
//! of an ECDSA P-256 signature over the file's SHA-256, which `cosign verify-blob --key
//! cosign.pub --signature FILE.sig FILE` checks too.
//!
//! The private key is encrypted with COSIGN_PASSWORD (empty when unset), as cosign does. SOURCES is
//! kwctl's --sources-path file: a registry listed in `insecure_sources` is reached over plain HTTP.

use anyhow::{Context, Result, bail};
use sigstore::cosign::constraint::PrivateKeySigner;
use sigstore::cosign::{Constraint, CosignCapabilities, SignatureLayer};
use sigstore::crypto::signing_key::SigStoreKeyPair;
use sigstore::crypto::{CosignVerificationKey, Signature, SigningScheme};
use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};
use std::path::{Path, PathBuf};

const USAGE: &str = "usage: sampledb-sign keygen DIR
       sampledb-sign sign HOST/NAME:TAG DIR [SOURCES.yml]
       sampledb-sign sign-blob FILE DIR
       sampledb-sign verify-blob FILE PUBLIC-KEY SIGNATURE";

fn password() -> Vec<u8> {
    std::env::var("COSIGN_PASSWORD")
        .unwrap_or_default()
        .into_bytes()
}

fn keygen(dir: &Path) -> Result<()> {
    let keys = SigningScheme::ECDSA_P256_SHA256_ASN1
        .create_signer()?
        .to_sigstore_keypair()?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let private = dir.join("cosign.key");
    std::fs::write(
        &private,
        keys.private_key_to_encrypted_pem(&password())?.as_bytes(),
    )
    .with_context(|| format!("cannot write {}", private.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::write(dir.join("cosign.pub"), keys.public_key_to_pem()?)?;
    eprintln!(
        "wrote {} and {}",
        private.display(),
        dir.join("cosign.pub").display()
    );
    Ok(())
}

/// Whether `reference`'s registry is listed in `insecure_sources` of a kwctl sources file.
fn insecure(reference: &str, sources: Option<&Path>) -> Result<bool> {
    let Some(sources) = sources else {
        return Ok(false);
    };
    let text = std::fs::read_to_string(sources)
        .with_context(|| format!("cannot read {}", sources.display()))?;
    let document: serde_yaml::Value = serde_yaml::from_str(&text)
        .with_context(|| format!("{} is not a kwctl sources file", sources.display()))?;
    let registry = reference.split('/').next().unwrap_or("");
    Ok(document["insecure_sources"]
        .as_sequence()
        .is_some_and(|hosts| hosts.iter().any(|host| host.as_str() == Some(registry))))
}

/// The signer of DIR/cosign.key, always read in the encrypted form cosign writes, also with an
/// empty password (the crate's new_with_raw would read an empty password as an unencrypted key).
fn signer(dir: &Path) -> Result<sigstore::crypto::SigStoreSigner> {
    let key_path = dir.join("cosign.key");
    let key =
        std::fs::read(&key_path).with_context(|| format!("cannot read {}", key_path.display()))?;
    SigStoreKeyPair::from_encrypted_pem(&key, &password())
        .and_then(|keys| keys.to_sigstore_signer(&SigningScheme::ECDSA_P256_SHA256_ASN1))
        .map_err(|error| {
            anyhow::anyhow!(
                "cannot use {} (wrong COSIGN_PASSWORD?): {error}",
                key_path.display()
            )
        })
}

fn sign_blob(file: &Path, dir: &Path) -> Result<()> {
    use base64::Engine;
    let blob = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let signature = signer(dir)?.sign(&blob)?;
    let path = PathBuf::from(format!("{}.sig", file.display()));
    std::fs::write(
        &path,
        base64::engine::general_purpose::STANDARD.encode(signature),
    )?;
    eprintln!("signed {}: signature at {}", file.display(), path.display());
    Ok(())
}

fn verify_blob(file: &Path, public_key: &Path, signature: &Path) -> Result<()> {
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let key = CosignVerificationKey::from_pem(
        &read(public_key)?,
        &SigningScheme::ECDSA_P256_SHA256_ASN1,
    )?;
    let signature = read(signature)?;
    key.verify_signature(
        Signature::Base64Encoded(signature.trim_ascii()),
        &read(file)?,
    )
    .map_err(|error| anyhow::anyhow!("{} does not match its signature: {error}", file.display()))?;
    eprintln!("verified {}", file.display());
    Ok(())
}

async fn sign(reference: &str, dir: &Path, sources: Option<&Path>) -> Result<()> {
    let image: OciReference = reference
        .strip_prefix("registry://")
        .unwrap_or(reference)
        .parse()
        .with_context(|| format!("{reference} is not an OCI reference"))?;
    let protocol = if insecure(reference, sources)? {
        ClientProtocol::Http
    } else {
        ClientProtocol::Https
    };
    let config = ClientConfig {
        protocol,
        ..ClientConfig::default()
    };
    let mut client = sigstore::cosign::ClientBuilder::default()
        .with_oci_client_config(config)
        .build()?;
    let auth = Auth::Anonymous;
    let (signature_image, digest) = client
        .triangulate(&image, &auth)
        .await
        .with_context(|| format!("cannot find {reference} in its registry"))?;
    let mut layer = SignatureLayer::new_unsigned(&image, &digest)?;
    let signer = PrivateKeySigner::new_with_signer(signer(dir)?);
    signer.add_constraint(&mut layer)?;
    client
        .push_signature(None, &auth, &signature_image, vec![layer])
        .await
        .with_context(|| format!("cannot push the signature {signature_image}"))?;
    eprintln!("signed {reference} ({digest}): signature at {signature_image}");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["keygen", dir] => keygen(Path::new(dir)),
        ["sign", reference, dir] => sign(reference, Path::new(dir), None).await,
        ["sign-blob", file, dir] => sign_blob(Path::new(file), Path::new(dir)),
        ["verify-blob", file, key, signature] => {
            verify_blob(Path::new(file), Path::new(key), Path::new(signature))
        }
        ["sign", reference, dir, sources] => {
            sign(reference, Path::new(dir), Some(Path::new(sources))).await
        }
        _ => bail!("{USAGE}"),
    }
}

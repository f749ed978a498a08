//! OCI distribution through a real registry (Debian's docker-registry, on 127.0.0.1): the
//! annotated module is pushed as a Kubewarden policy artifact, pulled back by digest, checked
//! byte for byte, and the pulled module evaluates a fixture.

mod common;

use common::*;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use policy_run::annotate;
use policy_run::policy_config::read_yaml_or_json;
use policy_run::review;
use policy_run::{PolicyConfig, WasmPolicy, default_module_path};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v1+json";
const WASM_LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";

/// A registry process that is stopped and whose storage is removed when dropped, also when the
/// test fails.
struct Registry {
    child: Child,
    dir: PathBuf,
    address: String,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Debian's docker-registry, where it is installed. Without it the test says so in one line and
/// passes; in CI (CI set), which installs it, a missing registry is a failure.
fn start_registry() -> Option<Registry> {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("docker-registry").is_file())
    });
    if !found {
        let line = "docker-registry not found: apt-get install docker-registry";
        assert!(std::env::var_os("CI").is_none(), "CI: {line}");
        eprintln!("Skipping the registry round trip: {line}");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let dir = std::env::temp_dir().join(format!("sampledb-registry-{}-{port}", std::process::id()));
    std::fs::create_dir_all(dir.join("storage")).unwrap();
    let config = dir.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: \
                {address}\n",
            dir.join("storage").display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("registry.log")).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start docker-registry ({e}): install it with `apt-get install docker-registry`")
        });
    let registry = Registry {
        child,
        dir,
        address,
    };
    wait_until_serving(&registry);
    Some(registry)
}

fn wait_until_serving(registry: &Registry) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(&registry.address) {
            let request = format!("GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", registry.address);
            let mut answer = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.")
                && answer.contains(" 200 ")
            {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(registry.dir.join("registry.log")).unwrap_or_default();
    panic!("the registry on {} did not start: {log}", registry.address);
}

fn annotated_module() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let module = std::fs::read(default_module_path()).expect("policy.wasm: run make policy.wasm");
    let metadata = read_yaml_or_json(&root.join("metadata.yml")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let document = annotate::metadata_document(&metadata, Some(&readme), wasm()).unwrap();
    annotate::annotate(&module, &document).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

#[tokio::test(flavor = "current_thread")]
async fn push_pull_by_digest_and_evaluate_the_pulled_module() {
    let Some(registry) = start_registry() else {
        return;
    };
    let module = annotated_module();
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..Default::default()
    });
    let auth = RegistryAuth::Anonymous;
    let tag: Reference = format!(
        "{}/sampledb-policy/sampledb-policy:v0.1.0",
        registry.address
    )
    .parse()
    .unwrap();

    let layers = [ImageLayer::new(
        module.clone(),
        WASM_LAYER_MEDIA_TYPE.to_string(),
        None,
    )];
    let config = Config::new(b"{}".to_vec(), WASM_CONFIG_MEDIA_TYPE.to_string(), None);
    client
        .push(&tag, &layers, config, &auth, None)
        .await
        .expect("push");

    let (manifest, digest) = client
        .pull_image_manifest(&tag, &auth)
        .await
        .expect("manifest");
    assert_eq!(manifest.config.media_type, WASM_CONFIG_MEDIA_TYPE);
    assert_eq!(manifest.layers.len(), 1);
    assert_eq!(manifest.layers[0].media_type, WASM_LAYER_MEDIA_TYPE);
    assert_eq!(manifest.layers[0].digest, sha256(&module));

    let by_digest: Reference = format!(
        "{}/sampledb-policy/sampledb-policy@{digest}",
        registry.address
    )
    .parse()
    .unwrap();
    let image = client
        .pull(&by_digest, &auth, vec![WASM_LAYER_MEDIA_TYPE])
        .await
        .expect("pull by digest");
    let pulled = image.layers[0].data.to_vec();
    assert_eq!(pulled, module, "the pulled bytes are the pushed bytes");

    // The artifact carries its metadata, as kwctl annotate would embed it.
    let metadata = annotate::read_metadata(&pulled)
        .unwrap()
        .expect("io.kubewarden.metadata section");
    let source =
        read_yaml_or_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../metadata.yml")).unwrap();
    assert_eq!(metadata["rules"], source["rules"]);
    assert_eq!(metadata["mutating"], json!(true));
    assert_eq!(metadata["protocolVersion"], json!("v1"));
    assert_eq!(metadata["executionMode"], json!("kubewarden-wapc"));
    assert_eq!(
        metadata["annotations"]["io.kubewarden.policy.title"],
        json!("sampledb-policy")
    );
    assert!(
        metadata["annotations"][annotate::USAGE_ANNOTATION]
            .as_str()
            .unwrap()
            .starts_with("# sampledb-policy")
    );

    // And the pulled module is a working policy.
    let policy = WasmPolicy::from_bytes(&pulled).unwrap();
    let answer = review::run(
        &policy,
        &request_fixture("create-latest-version"),
        &PolicyConfig::default(),
    )
    .unwrap();
    assert_eq!(answer["allowed"], json!(false));
    assert_eq!(answer["status"]["code"], json!(422));
    drop(registry);
}

//! Amazon Bedrock Converse: the SigV4 signer against the AWS signing test suite
//! (`tests/fixtures/sigv4`, from aws-c-auth via the aws-sigv4 crate, Apache-2.0), and the
//! client against an in-process Converse endpoint that recomputes every signature with its own
//! code (`tests/common/converse.rs`): a model id with `:`, temporary credentials, a Bedrock API
//! key, throttling, validation and access-denied errors.

mod common;
#[path = "common/converse.rs"]
mod converse;

use converse::{Converse, Keys};
use serde_json::Value;
use sightline::classify::Classifier;
use sightline::classify::bedrock::{Auth, Bedrock};
use sightline::classify::config::InferenceConfig;
use sightline::classify::sigv4::{self, Credentials, Scope};
use sightline::model::SummaryState;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

fn vectors() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigv4");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|entry| entry.unwrap().path()).filter(|path| path.is_dir()).collect();
    cases.sort();
    cases
}

/// A test-suite request: method, URL (host from the Host header), headers, body.
fn parse_request(text: &str) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let first = lines.next().unwrap();
    let method = first.split(' ').next().unwrap().to_string();
    let target = first[method.len() + 1..].trim_end_matches(" HTTP/1.1").to_string();
    let mut host = String::new();
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("host") {
            host = value.to_string();
        } else {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    (method, format!("https://{host}{target}"), headers, body.as_bytes().to_vec())
}

fn signed_header(case: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(case.join("header-signed-request.txt")).unwrap();
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.to_string())
    })
}

#[test]
fn the_signer_passes_the_sigv4_test_suite() {
    let mut checked = 0;
    for case in vectors() {
        let Ok(context) = std::fs::read_to_string(case.join("context.json")) else { continue };
        let context: Value = serde_json::from_str(&context).unwrap();
        let text = std::fs::read_to_string(case.join("request.txt")).unwrap();
        let (method, url, headers, body) = parse_request(&text);
        let credentials = Credentials {
            access_key_id: context["credentials"]["access_key_id"].as_str().unwrap().into(),
            secret_access_key: context["credentials"]["secret_access_key"].as_str().unwrap().into(),
            session_token: context["credentials"]["token"].as_str().map(str::to_string),
        };
        let time: chrono::DateTime<chrono::Utc> = context["timestamp"].as_str().unwrap().parse().unwrap();
        let scope = Scope {
            region: context["region"].as_str().unwrap(),
            service: context["service"].as_str().unwrap(),
            time: SystemTime::from(time),
            normalize_path: context["normalize"].as_bool().unwrap(),
            sign_session_token: !context["omit_session_token"].as_bool().unwrap_or(false),
            content_sha256_header: context["sign_body"].as_bool().unwrap(),
        };
        let added = sigv4::sign(&method, &url, &headers, &body, &credentials, &scope).unwrap();
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let get = |key: &str| added.iter().find(|(header, _)| header.eq_ignore_ascii_case(key)).map(|(_, v)| v.clone());
        let expected_signature = std::fs::read_to_string(case.join("header-signature.txt")).unwrap();
        let authorization = get("authorization").unwrap_or_else(|| panic!("{name}: no Authorization"));
        assert!(
            authorization.ends_with(&format!("Signature={}", expected_signature.trim())),
            "{name}: {authorization} (expected signature {expected_signature})"
        );
        assert_eq!(Some(authorization), signed_header(&case, "authorization"), "{name}: Authorization");
        assert_eq!(get("x-amz-date"), signed_header(&case, "x-amz-date"), "{name}: X-Amz-Date");
        assert_eq!(get("x-amz-security-token"), signed_header(&case, "x-amz-security-token"), "{name}: token");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} vectors ran");
}

#[test]
fn the_endpoints_own_signature_check_agrees_with_the_suite() {
    // The fake endpoint's independent canonical request, checked against the suite before it
    // is trusted to judge the client: a plain POST, a GET with headers, and the double-encoded
    // path case (`%3D` in the request is `%253D` in the canonical request).
    for (case, secret) in [("post-vanilla", true), ("post-header-key-sort", true), ("double-encode-path", false)] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigv4").join(case);
        let text = std::fs::read_to_string(dir.join("request.txt")).unwrap();
        let (method, url, mut headers, body) = parse_request(&text);
        let host = url.trim_start_matches("https://").split('/').next().unwrap().to_string();
        let path = format!("/{}", url.trim_start_matches("https://").split_once('/').unwrap().1);
        let expected = std::fs::read_to_string(dir.join("header-canonical-request.txt")).unwrap();
        // The suite signs at the date its canonical request shows (double-encode-path's
        // request.txt carries an older one).
        let date = expected.lines().find_map(|line| line.strip_prefix("x-amz-date:")).unwrap().to_string();
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case("x-amz-date"));
        headers.push(("host".into(), host));
        headers.push(("x-amz-date".into(), date));
        let canonical = converse::canonical_request(&method, &path, &headers, &body);
        assert_eq!(canonical, expected, "{case}");
        if secret {
            let signature = converse::signature(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "20150830T123600Z",
                "us-east-1",
                "service",
                &canonical,
            );
            assert_eq!(signature, std::fs::read_to_string(dir.join("header-signature.txt")).unwrap().trim(), "{case}");
        }
    }
}

/// The session every test here classifies.
const SAMPLE: &str = "ssh-deploy-web01.jsonl";

const MODEL_ID: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const ANSWER: &str = r#"{"short_title":"Service restart","short_description":"The user restarted nginx.","detailed_description":"A routine deploy.","risk_level":"LOW","suspicious_activities":[],"compromise_indicators":false,"session_events":[{"index":0,"risk_level":"LOW","short_description":"Checked the service","mitre_attack_ids":["T1007"]}]}"#;

fn keys(session_token: Option<&str>) -> Keys {
    Keys {
        access_key_id: "AKIDSIGHTLINETEST".into(),
        secret_access_key: "s3cr3t/KEY+for+the+fake+endpoint".into(),
        session_token: session_token.map(str::to_string),
        api_key: "bedrock-api-key-ABSK".into(),
    }
}

/// A classifier with a Bedrock model at the fake endpoint, authenticated by `auth`; waits are
/// recorded on a paused clock.
fn classifier(endpoint: &Converse, auth: Auth) -> (Classifier, Arc<Mutex<Vec<Duration>>>) {
    let secret_file = std::env::temp_dir().join(format!("sightline-bedrock-key-{}", std::process::id()));
    std::fs::write(&secret_file, "placeholder-replaced-below").unwrap();
    let text = format!(
        "[models.bedrock]\nprovider = \"bedrock\"\nmodel = \"{MODEL_ID}\"\nregion = \"us-east-1\"\nbase_url = \"{}\"\n\
         secret = \"key\"\ninitial_backoff_ms = 100\nmax_backoff_ms = 1000\n\
         [secrets.key]\nfile = \"{}\"\n[policies.all]\nmodel = \"bedrock\"\n",
        endpoint.url,
        secret_file.display()
    );
    let config: InferenceConfig = toml::from_str(&text).unwrap();
    config.validate().unwrap_or_else(|(key, message)| panic!("{key} {message}"));
    let provider = Bedrock::new(&endpoint.url, MODEL_ID, auth, Duration::from_secs(10));
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorded = waits.clone();
    let classifier = Classifier::new(&config)
        .unwrap()
        .unwrap()
        .with_sleeper(Arc::new(move |delay| recorded.lock().unwrap().push(delay)))
        .with_provider("bedrock", Box::new(provider));
    (classifier, waits)
}

fn sigv4_auth(keys: &Keys) -> Auth {
    Auth::SigV4 {
        credentials: Credentials {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.clone(),
            session_token: keys.session_token.clone(),
        },
        region: "us-east-1".into(),
    }
}

#[test]
fn a_signed_converse_request_with_a_colon_in_the_model_id_is_accepted() {
    let keys = keys(None);
    let endpoint = Converse::start("us-east-1", keys.clone(), ANSWER);
    let (classifier, _) = classifier(&endpoint, sigv4_auth(&keys));
    let (session, mut verdict) = common::judged(SAMPLE);
    let outcome = classifier.classify(Some(&session), &mut verdict);
    assert_eq!(endpoint.refused(), Vec::<String>::new());
    assert_eq!((outcome.error, outcome.requests, verdict.state), (None, 1, SummaryState::Success));
    assert_eq!(verdict.enhanced_summary.short_title, "Service restart");
    assert_eq!((verdict.usage.input_tokens, verdict.usage.output_tokens), (1200, 150), "usage from Converse");
    let seen = endpoint.seen();
    assert_eq!(seen[0].path, "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    assert_eq!(seen[0].model, MODEL_ID);
    assert!(!seen[0].bearer);
    let schema = seen[0].body.pointer("/outputConfig/textFormat/structure/jsonSchema/schema").unwrap();
    let schema: Value = serde_json::from_str(schema.as_str().unwrap()).unwrap();
    assert_eq!(schema["properties"]["risk_level"]["enum"][0], "LOW", "the answer schema, as a string");
    assert_eq!(seen[0].body.pointer("/inferenceConfig/maxTokens").and_then(Value::as_u64), Some(1024));
    assert!(seen[0].body["system"][0]["text"].as_str().unwrap().contains("UNTRUSTED DATA"));
}

#[test]
fn temporary_credentials_sign_the_session_token() {
    let keys = keys(Some("FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDJ"));
    let endpoint = Converse::start("us-east-1", keys.clone(), ANSWER);
    let (classifier, _) = classifier(&endpoint, sigv4_auth(&keys));
    let (session, mut verdict) = common::judged(SAMPLE);
    classifier.classify(Some(&session), &mut verdict);
    assert_eq!(endpoint.refused(), Vec::<String>::new());
    assert_eq!(verdict.state, SummaryState::Success);
    assert!(endpoint.seen()[0].signed_headers.contains(&"x-amz-security-token".to_string()));
}

#[test]
fn a_wrong_secret_is_refused_by_the_signature_check_and_not_retried() {
    let keys = keys(None);
    let endpoint = Converse::start("us-east-1", keys.clone(), ANSWER);
    let mut wrong = keys.clone();
    wrong.secret_access_key = "not-the-secret".into();
    let (classifier, waits) = classifier(&endpoint, sigv4_auth(&wrong));
    let (session, mut verdict) = common::judged(SAMPLE);
    let outcome = classifier.classify(Some(&session), &mut verdict);
    assert_eq!((outcome.requests, waits.lock().unwrap().len()), (1, 0));
    assert_eq!(verdict.state, SummaryState::Error);
    assert!(verdict.error_message.contains("InvalidSignatureException"), "{}", verdict.error_message);
    assert!(endpoint.refused()[0].contains("does not match"));
}

#[test]
fn a_bedrock_api_key_goes_as_bearer() {
    let keys = keys(None);
    let endpoint = Converse::start("us-east-1", keys.clone(), ANSWER);
    let (classifier, _) = classifier(&endpoint, Auth::Bearer(keys.api_key.clone()));
    let (session, mut verdict) = common::judged(SAMPLE);
    classifier.classify(Some(&session), &mut verdict);
    assert_eq!(verdict.state, SummaryState::Success);
    assert!(endpoint.seen()[0].bearer);
}

#[test]
fn throttling_is_retried_and_validation_and_access_denied_are_not() {
    let keys = keys(None);
    let endpoint = Converse::start("us-east-1", keys.clone(), ANSWER);
    let (classifier, waits) = classifier(&endpoint, sigv4_auth(&keys));
    let (session, verdict) = common::judged(SAMPLE);

    endpoint.fail_next(&[(429, "ThrottlingException", "Too many requests, please wait before trying again."); 2]);
    let mut throttled = verdict.clone();
    let outcome = classifier.classify(Some(&session), &mut throttled);
    assert_eq!((outcome.requests, waits.lock().unwrap().len()), (3, 2));
    assert_eq!(throttled.state, SummaryState::Success);

    for (status, kind, message) in [
        (400, "ValidationException", "The provided model identifier is invalid."),
        (403, "AccessDeniedException", "You don't have access to the model with the specified model ID."),
    ] {
        waits.lock().unwrap().clear();
        endpoint.fail_next(&[(status, kind, message)]);
        let mut failed = verdict.clone();
        let outcome = classifier.classify(Some(&session), &mut failed);
        assert_eq!((outcome.requests, waits.lock().unwrap().len()), (1, 0), "{kind} is not retried");
        assert_eq!(failed.state, SummaryState::Error);
        assert!(
            failed.error_message.contains(kind) && failed.error_message.contains(message),
            "{}",
            failed.error_message
        );
        let audit = sightline::verdict::audit::audit_events(&failed);
        assert!(audit.iter().any(|event| event.code == "INF010E"), "a failed summary is an alert");
    }

    endpoint.fail_next(&[(400, "ValidationException", "Input is too long for requested model.")]);
    let mut long = verdict.clone();
    let outcome = classifier.classify(Some(&session), &mut long);
    assert_eq!((outcome.requests, long.state), (2, SummaryState::Success), "too long: a smaller prompt, at once");
    assert_eq!(waits.lock().unwrap().len(), 0);
}

#[test]
fn configured_sigv4_reads_the_shared_credentials_profile() {
    // The only test here that touches AWS_* variables (the others build their auth directly).
    let dir = std::env::temp_dir().join(format!("sightline-aws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(&file, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = x\n[ops]\naws_access_key_id = AKIDSIGHTLINETEST\naws_secret_access_key = s3cr3t/KEY+for+the+fake+endpoint\n").unwrap();
    // SAFETY: no other test in this binary reads these variables.
    unsafe {
        std::env::remove_var("AWS_ACCESS_KEY_ID");
        std::env::remove_var("AWS_SECRET_ACCESS_KEY");
        std::env::remove_var("AWS_BEARER_TOKEN_BEDROCK");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &file);
    }
    let endpoint = Converse::start("eu-west-1", keys(None), ANSWER);
    let text = format!(
        "[models.bedrock]\nprovider = \"bedrock\"\nmodel = \"{MODEL_ID}\"\nregion = \"eu-west-1\"\nprofile = \"ops\"\nbase_url = \"{}\"\n[policies.all]\nmodel = \"bedrock\"\n",
        endpoint.url
    );
    let config: InferenceConfig = toml::from_str(&text).unwrap();
    config.validate().unwrap();
    let classifier = Classifier::new(&config).unwrap().unwrap();
    let (session, mut verdict) = common::judged(SAMPLE);
    classifier.classify(Some(&session), &mut verdict);
    assert_eq!(endpoint.refused(), Vec::<String>::new());
    assert_eq!(verdict.state, SummaryState::Success);

    let mut config = config;
    config.models.get_mut("bedrock").unwrap().profile = Some("nobody".into());
    let error = Classifier::new(&config).unwrap_err().to_string();
    assert!(error.contains("inference.models.bedrock") && error.contains("[nobody]"), "{error}");
}

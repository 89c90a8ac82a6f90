//! AWS Signature Version 4 for Bedrock, through the `aws-sigv4` crate, and AWS credentials
//! from the usual places: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`,
//! else the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default
//! `~/.aws/credentials`) under the configured profile (`AWS_PROFILE`, default `default`).
//!
//! Guarantees: the signer passes the AWS SigV4 test suite (`tests/fixtures/sigv4`, checked by
//! `tests/bedrock.rs`); paths are double-encoded in the canonical request as every service but
//! S3 requires (a model id's `:` is sent as `%3A` and signed as `%253A`). Secret keys never
//! appear in `Debug` output or logs.

use aws_sigv4::http_request::{
    PayloadChecksumKind, SessionTokenMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
};
use std::path::PathBuf;
use std::time::SystemTime;

/// Static AWS credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AKIA…` / `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The STS session token, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|value| value.trim().to_string()).filter(|value| !value.is_empty())
}

impl Credentials {
    /// From `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    pub fn from_env() -> Option<Self> {
        let access_key_id = non_empty(std::env::var("AWS_ACCESS_KEY_ID").ok())?;
        let secret_access_key = non_empty(std::env::var("AWS_SECRET_ACCESS_KEY").ok())?;
        let session_token = non_empty(std::env::var("AWS_SESSION_TOKEN").ok());
        Some(Credentials { access_key_id, secret_access_key, session_token })
    }

    /// From an INI shared-credentials file's `[profile]` section.
    pub fn from_profile_text(text: &str, profile: &str) -> Option<Self> {
        let mut section = String::new();
        let (mut access_key_id, mut secret_access_key, mut session_token) = (None, None, None);
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
                section = name.trim().trim_start_matches("profile ").trim().to_string();
                continue;
            }
            if section != profile {
                continue;
            }
            if let Some((key, value)) = line.split_once('=') {
                let value = Some(value.trim().to_string());
                match key.trim() {
                    "aws_access_key_id" => access_key_id = value,
                    "aws_secret_access_key" => secret_access_key = value,
                    "aws_session_token" => session_token = value,
                    _ => {}
                }
            }
        }
        Some(Credentials {
            access_key_id: non_empty(access_key_id)?,
            secret_access_key: non_empty(secret_access_key)?,
            session_token: non_empty(session_token),
        })
    }

    /// The environment's credentials, else the shared file's `profile` (or `AWS_PROFILE`, or
    /// `default`); the error says where it looked.
    pub fn load(profile: Option<&str>) -> Result<Self, String> {
        if let Some(credentials) = Self::from_env() {
            return Ok(credentials);
        }
        let profile = profile
            .map(str::to_string)
            .or_else(|| non_empty(std::env::var("AWS_PROFILE").ok()))
            .unwrap_or_else(|| "default".into());
        let file = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".aws").join("credentials")));
        let Some(file) = file else {
            return Err("no AWS credentials: AWS_ACCESS_KEY_ID is not set and there is no HOME".into());
        };
        let text = std::fs::read_to_string(&file).map_err(|error| {
            format!("no AWS credentials: AWS_ACCESS_KEY_ID is not set and {} cannot be read ({error})", file.display())
        })?;
        Self::from_profile_text(&text, &profile).ok_or_else(|| {
            format!(
                "no AWS credentials: AWS_ACCESS_KEY_ID is not set and profile [{profile}] in {} has no aws_access_key_id and aws_secret_access_key",
                file.display()
            )
        })
    }
}

/// What a signature is for.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The region (`us-east-1`).
    pub region: &'a str,
    /// The signing name (`bedrock` for the Bedrock runtime).
    pub service: &'a str,
    /// The signing time.
    pub time: SystemTime,
    /// Normalize the path (`/a/./b/../c` → `/a/c`) before signing; true for every service but S3.
    pub normalize_path: bool,
    /// Sign `x-amz-security-token` (true) or add it after signing (a few services want that).
    pub sign_session_token: bool,
    /// Send and sign `x-amz-content-sha256` (S3 wants it; Bedrock does not).
    pub content_sha256_header: bool,
}

/// Signs a request; returns the headers to add (`authorization`, `x-amz-date`, and
/// `x-amz-security-token` for temporary credentials). `url` is the URL as it will be sent
/// (already percent-encoded once); `headers` the ones the request carries.
pub fn sign(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    scope: &Scope<'_>,
) -> Result<Vec<(String, String)>, String> {
    let identity = aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        credentials.session_token.clone(),
        None,
        "sightline",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind =
        if scope.content_sha256_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
    settings.uri_path_normalization_mode =
        if scope.normalize_path { UriPathNormalizationMode::Enabled } else { UriPathNormalizationMode::Disabled };
    settings.session_token_mode =
        if scope.sign_session_token { SessionTokenMode::Include } else { SessionTokenMode::Exclude };
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(scope.time)
        .settings(settings)
        .build()
        .map_err(|error| format!("signing parameters: {error}"))?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().map(|(name, value)| (name.as_str(), value.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|error| format!("cannot sign {url}: {error}"))?;
    let output = aws_sigv4::http_request::sign(request, &params).map_err(|error| format!("signing failed: {error}"))?;
    let (instructions, _signature) = output.into_parts();
    let (added, _params) = instructions.into_parts();
    Ok(added.into_iter().map(|header| (header.name().to_string(), header.value().to_string())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_the_shared_file() {
        let text = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n\
                    [profile ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=s2\naws_session_token = t\n";
        let ops = Credentials::from_profile_text(text, "ops").unwrap();
        assert_eq!((ops.access_key_id.as_str(), ops.session_token.as_deref()), ("AKIDOPS", Some("t")));
        assert_eq!(Credentials::from_profile_text(text, "default").unwrap().secret_access_key, "s1");
        assert!(Credentials::from_profile_text(text, "missing").is_none());
        assert!(!format!("{ops:?}").contains("s2"), "secrets stay out of Debug");
    }
}

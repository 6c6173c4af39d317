//! Files a request names by S3 URI (`s3Location`, in images, documents, video and audio, the
//! messages' and tool results'): Bedrock reads them with the relay's AWS role, so a caller who
//! could name any object could have the model read out whatever that role can read. None is
//! allowed unless the deployer names its bucket (`ALLOWED_S3_BUCKETS`: `bucket`, or
//! `bucket/prefix/`, comma-separated).

use converse_shared::types::*;
use converse_shared::{BedrockError, ErrorKind};

use crate::errors::RelayError;

/// Reads `ALLOWED_S3_BUCKETS`: each an `s3://` prefix a named file must start with.
pub(crate) fn parse(value: Option<&str>) -> Result<Vec<String>, RelayError> {
    let mut allowed = Vec::new();
    for entry in value.unwrap_or_default().split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.trim_start_matches("s3://");
        let bucket = entry.split('/').next().unwrap_or_default();
        let named = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !named {
            return Err(RelayError::Misconfigured(format!(
                "ALLOWED_S3_BUCKETS: {entry:?} does not start with a bucket name"
            )));
        }
        // A bare bucket allows all of it: `bucket/`, so that `bucket-2` is not allowed with it.
        allowed.push(if entry.contains('/') { format!("s3://{entry}") } else { format!("s3://{entry}/") });
    }
    Ok(allowed)
}

/// The S3 locations a block names.
fn of_block(block: &ContentBlock) -> Vec<&S3Location> {
    let mut found = Vec::new();
    match block {
        ContentBlock::Image(ImageBlock { source: ImageSource::S3Location(l), .. })
        | ContentBlock::Video(VideoBlock { source: VideoSource::S3Location(l), .. })
        | ContentBlock::Audio(AudioBlock { source: AudioSource::S3Location(l), .. })
        | ContentBlock::Document(DocumentBlock { source: DocumentSource::S3Location(l), .. }) => {
            found.push(l)
        }
        ContentBlock::ToolResult(result) => {
            for part in &result.content {
                match part {
                    ToolResultContentBlock::Image(ImageBlock {
                        source: ImageSource::S3Location(l), ..
                    })
                    | ToolResultContentBlock::Video(VideoBlock {
                        source: VideoSource::S3Location(l), ..
                    })
                    | ToolResultContentBlock::Document(DocumentBlock {
                        source: DocumentSource::S3Location(l),
                        ..
                    }) => found.push(l),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    found
}

/// The S3 URIs `messages` name.
fn named(messages: &[Message]) -> impl Iterator<Item = &str> {
    messages.iter().flat_map(|m| &m.content).flat_map(of_block).map(|l| l.uri.as_str())
}

/// Refuses a file in a bucket (or under a prefix) the deployer did not allow.
pub(crate) fn check(allowed: &[String], messages: &[Message]) -> Result<(), RelayError> {
    for uri in named(messages) {
        // `..` could climb out of an allowed prefix in a key; such a URI is never allowed.
        if uri.contains("/../") || !allowed.iter().any(|prefix| uri.starts_with(prefix.as_str())) {
            return Err(RelayError::Bedrock(BedrockError::new(
                ErrorKind::AccessDenied,
                "This relay does not read that file from S3: its bucket is not one the deployer allows.",
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(uri: &str) -> Vec<Message> {
        serde_json::from_value(serde_json::json!([{"role": "user", "content": [
            {"text": "see"}, {"video": {"format": "mp4", "source": {"s3Location": {"uri": uri}}}}]}]))
        .unwrap()
    }

    #[test]
    fn only_the_buckets_and_prefixes_named_are_read() {
        let allowed = parse(Some("media-bucket, s3://shared-docs/public/")).unwrap();
        assert!(check(&allowed, &naming("s3://media-bucket/talks/keynote.mp4")).is_ok());
        assert!(check(&allowed, &naming("s3://shared-docs/public/a.mp4")).is_ok());
        for refused in [
            "s3://media-bucket-2/x.mp4",
            "s3://shared-docs/private/a.mp4",
            "s3://shared-docs/public/../private/a.mp4",
            "s3://payroll/2026.mp4",
        ] {
            assert!(check(&allowed, &naming(refused)).is_err(), "{refused}");
        }
        assert!(check(&[], &naming("s3://media-bucket/x.mp4")).is_err(), "none unless named");
        assert!(parse(Some("Not A Bucket")).is_err());
    }
}

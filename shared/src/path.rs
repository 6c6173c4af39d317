//! The Bedrock Runtime paths: `/model/{modelId}/converse`, `/model/{modelId}/converse-stream`
//! and `/model/{modelId}/count-tokens`.
//!
//! The model id is one path segment. It is percent-encoded the way the AWS SDKs encode it
//! (`:` → `%3A`, `/` → `%2F`), so inference profiles and ARNs work; a relay decodes what
//! it receives and encodes it once again, so what it signs is what the SDK would have signed.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded, as botocore does for labels.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Which operation a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `Converse`: one JSON reply.
    Converse,
    /// `ConverseStream`: an event stream.
    ConverseStream,
    /// `CountTokens`: the input tokens a request would be billed, counted without running it.
    CountTokens,
}

impl Operation {
    /// The path's last segment.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Converse => "converse",
            Self::ConverseStream => "converse-stream",
            Self::CountTokens => "count-tokens",
        }
    }
}

/// The path for `operation` on `model_id`, encoded as the AWS SDKs encode it.
///
/// ```
/// # use converse_shared::path::{model_path, Operation};
/// assert_eq!(
///     model_path("anthropic.claude-3-haiku-20240307-v1:0", Operation::Converse),
///     "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"
/// );
/// ```
pub fn model_path(model_id: &str, operation: Operation) -> String {
    format!("/model/{}/{}", utf8_percent_encode(model_id, SEGMENT), operation.suffix())
}

/// Why `model_id` cannot be a model id, if it cannot: it must be 1 to 2048 characters of
/// letters, digits and `. _ : / -`, with no empty, `.` or `..` segment between slashes (so no
/// id can change the upstream path once it is encoded).
pub fn model_id_problem(model_id: &str) -> Option<&'static str> {
    if model_id.is_empty() || model_id.len() > 2048 {
        return Some("a model id has 1 to 2048 characters");
    }
    if !model_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-')) {
        return Some("a model id may only contain letters, digits and . _ : / -");
    }
    if model_id.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
        return Some("a model id may not contain empty, . or .. segments");
    }
    None
}

/// Reads a request path (still percent-encoded) into the model id and operation.
///
/// Accepts the id encoded (as SDKs send it) or not (`:` raw, and even `/` raw for an ARN
/// typed by hand). Returns `None` for any other path or an empty id.
pub fn parse_model_path(path: &str) -> Option<(String, Operation)> {
    let rest = path.strip_prefix("/model/")?;
    let (id, operation) = [Operation::Converse, Operation::ConverseStream, Operation::CountTokens]
        .into_iter()
        .find_map(|op| Some((rest.strip_suffix(op.suffix())?.strip_suffix('/')?, op)))?;
    let id = percent_decode_str(id).decode_utf8().ok()?;
    (!id.is_empty()).then(|| (id.into_owned(), operation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_colons_slashes_and_profiles_round_trip() {
        for id in [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "us.amazon.nova-lite-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        ] {
            for op in [Operation::Converse, Operation::ConverseStream, Operation::CountTokens] {
                assert_eq!(parse_model_path(&model_path(id, op)), Some((id.to_owned(), op)));
            }
        }
        assert_eq!(
            model_path("arn:aws:bedrock:us-east-1:1:inference-profile/x", Operation::ConverseStream),
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse-stream"
        );
    }

    #[test]
    fn model_ids_that_could_change_the_upstream_path_are_refused() {
        for bad in ["..", ".", "a/../b", "a//b", "/a", "a b", "a%2Fb", "a?b", "a#b", "é", ""] {
            assert!(model_id_problem(bad).is_some(), "{bad:?}");
        }
        for good in [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "arn:aws:bedrock:us-east-1:1:inference-profile/us.x-v1:0",
        ] {
            assert_eq!(model_id_problem(good), None, "{good}");
        }
    }

    #[test]
    fn raw_ids_are_accepted_and_other_paths_are_not() {
        assert_eq!(
            parse_model_path("/model/us.amazon.nova-lite-v1:0/converse"),
            Some(("us.amazon.nova-lite-v1:0".into(), Operation::Converse))
        );
        assert_eq!(
            parse_model_path("/model/arn:aws:bedrock:us-east-1:1:inference-profile/x/converse-stream"),
            Some(("arn:aws:bedrock:us-east-1:1:inference-profile/x".into(), Operation::ConverseStream))
        );
        assert_eq!(
            parse_model_path("/model/anthropic.claude-sonnet-4-20250514-v1%3A0/count-tokens"),
            Some(("anthropic.claude-sonnet-4-20250514-v1:0".into(), Operation::CountTokens))
        );
        for path in ["/model//converse", "/model/x/invoke", "/models/x/converse", "/model/xconverse", "/"] {
            assert_eq!(parse_model_path(path), None, "{path}");
        }
    }
}

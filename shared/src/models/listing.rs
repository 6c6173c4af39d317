//! What a relay lists as offered (`GET /v1/models`).

use super::ModelRules;

/// A model a relay offers: one entry of `GET /v1/models`, with what it takes (the table's
/// word, or the deployer's) and `maxOutputTokens` at most the relay's cap.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferedModel {
    /// The id to call it by.
    pub model_id: String,
    /// What it accepts; `max_output_tokens` is what the relay lets a request ask for.
    #[serde(flatten)]
    pub rules: ModelRules,
}

impl OfferedModel {
    /// `model_id` with `rules`, output capped at `max_output_tokens`.
    pub fn new(model_id: String, mut rules: ModelRules, max_output_tokens: u32) -> Self {
        rules.max_output_tokens = rules.max_output_tokens.min(max_output_tokens);
        Self { model_id, rules }
    }
}

/// The answer of `GET /v1/models`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelListing {
    /// The models offered.
    pub models: Vec<OfferedModel>,
    /// True when no list restricts them: any model id may be asked for.
    pub any_model: bool,
    /// Who may chat without a relay key (the relay's `PAGE_ACCESS`): `open` or `off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_access: Option<String>,
    /// The relay applies a guardrail of its own to every request (`ENFORCE_GUARDRAIL`): a
    /// caller's own guardrail would be replaced by it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enforced_guardrail: bool,
    /// The service tiers a request may ask for here (`ALLOWED_SERVICE_TIERS`): `default`,
    /// `flex`, `priority`, `reserved`. Empty: the relay says nothing of tiers (an older relay).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_tiers: Vec<String>,
    /// The largest request body the relay takes (`MAX_BODY_BYTES`), so that a client can say
    /// before sending that attachments will not fit. `None`: not said (an older relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_bytes: Option<u64>,
    /// The relay reads files named by S3 URI, from the buckets its deployer allows
    /// (`ALLOWED_S3_BUCKETS`; which, it does not say).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub s3_links: bool,
}

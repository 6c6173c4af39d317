//! What the deployer allows a request to ask for: models, sizes, counts, output tokens, and
//! an enforced guardrail. Applied before any upstream call.

use std::collections::BTreeMap;

use converse_shared::models::{DeclaredRules, ModelRules, OfferedModel, base_model_id, rules_for};
use converse_shared::path::{Operation, model_id_problem};
use converse_shared::project;
use converse_shared::types::*;
use converse_shared::{BedrockError, ErrorKind};

use crate::errors::RelayError;
use crate::intake::{self, TooBig};

pub(crate) mod count;
pub(crate) mod s3;
pub(crate) mod site;
pub(crate) mod system_tools;

pub(crate) use site::Site;

/// What the deployer allows.
#[derive(Debug)]
pub(crate) struct Policy {
    /// The models on offer (`ALLOWED_MODELS`); `None` offers any.
    pub(crate) models: Option<Vec<String>>,
    /// What the deployer declares models take (`MODEL_CAPABILITIES`), by model id.
    pub(crate) declared: BTreeMap<String, ModelRules>,
    /// The largest request body (`MAX_BODY_BYTES`).
    pub(crate) max_body_bytes: usize,
    /// The most output tokens a request may ask for (`MAX_OUTPUT_TOKENS`).
    pub(crate) max_output_tokens: Option<u32>,
    /// The most messages in a request (`MAX_MESSAGES`).
    pub(crate) max_messages: usize,
    /// The most content blocks in a request, its messages' and system prompt's together
    /// (`MAX_CONTENT_BLOCKS`).
    pub(crate) max_blocks: usize,
    /// The most images, documents, videos and audio clips in a request (`MAX_ATTACHMENTS`).
    pub(crate) max_attachments: usize,
    /// A guardrail applied to every request (`ENFORCE_GUARDRAIL`, `id:version`).
    pub(crate) guardrail: Option<(String, String)>,
    /// Whether callers may ask for the enforced guardrail's trace (`GUARDRAIL_TRACE=allow`).
    pub(crate) guardrail_trace: bool,
    /// The Bedrock project calls are billed to (`BEDROCK_PROJECT`; `default` when unset).
    pub(crate) project: String,
    /// Other projects a caller may name (`BEDROCK_PROJECTS`).
    pub(crate) other_projects: Vec<String>,
    /// The AWS account the relay's credentials belong to (`AWS_ACCOUNT_ID`), when known.
    pub(crate) account: Option<String>,
    /// The region Bedrock is called in (`AWS_REGION`).
    pub(crate) region: String,
    /// The service tiers a request may ask for (`ALLOWED_SERVICE_TIERS`).
    pub(crate) service_tiers: Vec<String>,
    /// The system tools a request may offer the model (`SYSTEM_TOOLS`).
    pub(crate) system_tools: Vec<String>,
    /// Where files named by S3 URI may be (`ALLOWED_S3_BUCKETS`), as `s3://` prefixes.
    pub(crate) s3_prefixes: Vec<String>,
}

/// A limit: requests and tokens per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) requests: u64,
    pub(crate) tokens: u64,
}

fn invalid(message: String) -> RelayError {
    RelayError::Bedrock(BedrockError::new(ErrorKind::Validation, message))
}

/// Whether the relay offers `model_id`: an offered id itself, or its ARN here (see
/// [`arn_of`]). Nothing else: not the bare id of an offered inference profile, nor another
/// geography's profile of the same model, nor an ARN in another region or account.
pub(crate) fn offers(policy: &Policy, model_id: &str) -> bool {
    policy.models.as_ref().is_none_or(|models| {
        models.iter().any(|m| m == model_id || arn_of(m, model_id, &policy.region, policy.account.as_deref()))
    })
}

/// Whether `model_id` is the ARN of `offered` in the relay's `region`: a foundation model's
/// (`arn:aws:bedrock:<region>::foundation-model/<id>`, which names no account), or an
/// inference profile's in the relay's own `account` (`…:<account>:inference-profile/<id>`;
/// only when `AWS_ACCOUNT_ID` says which account that is).
fn arn_of(offered: &str, model_id: &str, region: &str, account: Option<&str>) -> bool {
    let Some(rest) = model_id.strip_prefix("arn:") else { return false };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [_partition, "bedrock", arn_region, arn_account, resource] = parts[..] else { return false };
    if arn_region != region {
        return false;
    }
    match resource.split_once('/') {
        Some(("foundation-model", id)) => arn_account.is_empty() && id == offered,
        Some(("inference-profile", id)) => account == Some(arn_account) && id == offered,
        _ => false,
    }
}

/// Whether `models` (`None`: any model) has exactly `model_id`.
pub(crate) fn listed(models: Option<&[String]>, model_id: &str) -> bool {
    models.is_none_or(|models| models.iter().any(|m| m == model_id))
}

impl Policy {
    /// What `model_id` takes: as the deployer declared (for it, or for the model an inference
    /// profile or ARN names), else as the table says, else nothing beyond text.
    pub(crate) fn rules(&self, model_id: &str) -> ModelRules {
        self.declared
            .get(model_id)
            .or_else(|| self.declared.get(base_model_id(model_id)))
            .cloned()
            .unwrap_or_else(|| rules_for(model_id))
    }
}

/// Bedrock's service tiers (`ServiceTierType`).
const TIERS: [&str; 4] = ["default", "flex", "priority", "reserved"];

/// Reads `ALLOWED_SERVICE_TIERS`: a comma-separated list of Bedrock's tiers. Unset: `default`
/// and `flex`, the tiers that cost no more than a request that names none; `priority` (billed at
/// a premium) and `reserved` (the account's reserved capacity) are the deployer's to offer:
/// <https://docs.aws.amazon.com/bedrock/latest/userguide/service-tiers-inference.html>.
pub(crate) fn parse_tiers(value: Option<&str>) -> Result<Vec<String>, RelayError> {
    let Some(value) = value else { return Ok(vec!["default".into(), "flex".into()]) };
    let tiers: Vec<String> =
        value.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    match tiers.iter().find(|t| !TIERS.contains(&t.as_str())) {
        Some(unknown) => Err(RelayError::Misconfigured(format!(
            "ALLOWED_SERVICE_TIERS: {unknown:?} is not a service tier (Bedrock's are {})",
            TIERS.join(", ")
        ))),
        None => Ok(tiers),
    }
}

/// Refuses a service tier the deployer does not offer.
fn check_tier(policy: &Policy, tier: Option<&ServiceTier>) -> Result<(), RelayError> {
    let Some(tier) = tier.map(|t| t.r#type.to_string()) else { return Ok(()) };
    if policy.service_tiers.contains(&tier) {
        return Ok(());
    }
    Err(RelayError::Bedrock(BedrockError::new(
        ErrorKind::AccessDenied,
        format!(
            "This relay does not offer the service tier {tier}; it offers {}.",
            policy.service_tiers.join(", ")
        ),
    )))
}

/// Reads `MODEL_CAPABILITIES`: a JSON object from model id to [`DeclaredRules`].
pub(crate) fn parse_declared(value: Option<&str>) -> Result<BTreeMap<String, ModelRules>, RelayError> {
    let Some(value) = value else { return Ok(BTreeMap::new()) };
    let bad = |why: String| RelayError::Misconfigured(format!("MODEL_CAPABILITIES: {why}"));
    let declared: BTreeMap<String, DeclaredRules> =
        serde_json::from_slice(value.as_bytes()).map_err(|e| bad(e.to_string()))?;
    declared
        .into_iter()
        .map(|(id, declared)| {
            let rules = declared.rules(&id).map_err(bad)?;
            Ok((id, rules))
        })
        .collect()
}

/// The models to list as offered: `models` (a site's), else the relay's (`ALLOWED_MODELS`),
/// else those the deployer declared; each with what it takes and the output cap here.
pub(crate) fn listing(policy: &Policy, models: Option<&[String]>) -> Vec<OfferedModel> {
    let ids: Vec<&String> = match models.or(policy.models.as_deref()) {
        Some(models) => models.iter().collect(),
        None => policy.declared.keys().collect(),
    };
    ids.into_iter()
        .map(|id| OfferedModel::new(id.clone(), policy.rules(id), output_cap(policy, id)))
        .collect()
}

/// The most output tokens a request to `model_id` may ask for here.
pub(crate) fn output_cap(policy: &Policy, model_id: &str) -> u32 {
    let model_max = policy.rules(model_id).max_output_tokens;
    policy.max_output_tokens.map_or(model_max, |cap| cap.min(model_max))
}

/// Refuses what would let a caller narrow the deployer's guardrail. Bedrock evaluates only
/// the `guardContent` blocks when a request has any ("If you don't mark any content, the
/// guardrail evaluates all the messages"), checks a stream's chunks after sending them when
/// `streamProcessingMode` is `async`, and shows how it judged (its trace) when asked:
/// <https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-use-converse-api.html>.
fn enforce_guardrail(
    policy: &Policy,
    request: &mut ConverseRequest,
    operation: Operation,
) -> Result<(), RelayError> {
    let narrowing = |at: String| {
        invalid(format!(
            "{at}: this relay applies its guardrail to the whole conversation; guardContent blocks are not accepted."
        ))
    };
    if let Some(j) =
        request.system.iter().flatten().position(|b| matches!(b, SystemContentBlock::GuardContent(_)))
    {
        return Err(narrowing(format!("system[{j}]")));
    }
    for (i, message) in request.messages.iter().enumerate() {
        if let Some(j) = message.content.iter().position(|b| matches!(b, ContentBlock::GuardContent(_))) {
            return Err(narrowing(format!("messages[{i}].content[{j}]")));
        }
    }
    let Some(config) = &request.guardrail_config else { return Ok(()) };
    match &config.stream_processing_mode {
        Some(GuardrailStreamProcessingMode::Sync) | None => {}
        Some(_) if operation == Operation::ConverseStream => {
            return Err(invalid(
                "guardrailConfig.streamProcessingMode: this relay checks every chunk before it is sent; only sync is accepted."
                    .into(),
            ));
        }
        // Stream-only: Converse's GuardrailConfiguration has no such member.
        Some(_) => {
            return Err(invalid(
                "guardrailConfig.streamProcessingMode: only ConverseStream takes it.".into(),
            ));
        }
    }
    let tracing = config.trace.as_ref().is_some_and(|t| *t != GuardrailTrace::Disabled);
    if tracing && !policy.guardrail_trace {
        return Err(invalid(
            "guardrailConfig.trace: this relay does not return its guardrail's trace; send \"disabled\" or leave it out."
                .into(),
        ));
    }
    Ok(())
}

/// Refuses a conversation (the body's, or the object at `within` in it) of more messages or
/// content blocks than allowed. Counted before anything is built: a body of countless tiny
/// blocks would otherwise become many times its size in memory.
fn check_size(policy: &Policy, body: &[u8], within: &[&str]) -> Result<(), RelayError> {
    match intake::measure(body, within, policy.max_messages, policy.max_blocks) {
        Err(TooBig::Messages(cap)) => {
            Err(invalid(format!("The request has more than {cap} messages; this relay takes at most {cap}.")))
        }
        Err(TooBig::Blocks(cap)) => Err(invalid(format!(
            "The request has more than {cap} content blocks; this relay takes at most {cap}."
        ))),
        Err(TooBig::Malformed) | Ok(_) => Ok(()), // the full read says what is malformed
    }
}

/// Refuses more images, documents, videos and audio clips (tool results' included) than allowed.
fn check_attachments(policy: &Policy, messages: &[Message]) -> Result<(), RelayError> {
    let attachments = messages
        .iter()
        .flat_map(|m| &m.content)
        .map(|block| match block {
            ContentBlock::Image(_)
            | ContentBlock::Document(_)
            | ContentBlock::Video(_)
            | ContentBlock::Audio(_) => 1,
            ContentBlock::ToolResult(r) => r
                .content
                .iter()
                .filter(|c| !matches!(c, ToolResultContentBlock::Text(_) | ToolResultContentBlock::Json(_)))
                .count(),
            _ => 0,
        })
        .sum::<usize>();
    if attachments > policy.max_attachments {
        return Err(invalid(format!(
            "The request has {attachments} attachments; this relay takes at most {}.",
            policy.max_attachments
        )));
    }
    Ok(())
}

/// Refuses a model id that could not be one.
fn check_model_id(model_id: &str) -> Result<(), RelayError> {
    match model_id_problem(model_id) {
        Some(problem) => Err(invalid(format!("The provided model identifier is invalid: {problem}."))),
        None => Ok(()),
    }
}

/// A request the policy admits.
#[derive(Debug)]
pub(crate) struct Admitted {
    /// The body to send upstream.
    pub(crate) body: Vec<u8>,
    /// The Bedrock project it is billed to.
    pub(crate) project: String,
}

/// The project a request is billed to: the one it names, if the deployer allows it, else
/// the deployment's own (`None`: the request names none, and the deployment's is to be set).
fn project_of(policy: &Policy, asked: Option<&str>) -> Result<Option<String>, RelayError> {
    let Some(asked) = asked else { return Ok(None) };
    let named = project::parse(Some(asked)).map_err(|p| invalid(format!("projectIdentifier: {p}.")))?;
    let account = policy.account.as_deref();
    let allowed = std::iter::once(&policy.project)
        .chain(&policy.other_projects)
        .any(|p| project::parse(Some(p)).is_ok_and(|p| p.same_as(&named, &policy.region, account)));
    if !allowed {
        return Err(RelayError::Bedrock(BedrockError::new(
            ErrorKind::AccessDenied,
            format!("This relay does not bill to the project {asked}."),
        )));
    }
    Ok(Some(asked.to_owned()))
}

/// Checks a request against the policy. Returns the body to send: the client's own bytes,
/// or, where the policy had to set something (output cap, guardrail, project), the request
/// written again — which loses nothing, as the wire model keeps every member it does not know.
///
/// A widget request (`site`: its origin, its rules, the preset it asks for) is also held to
/// its site's rules.
pub(crate) fn apply(
    policy: &Policy,
    site: Option<(&str, &Site, Option<&str>)>,
    model_id: &str,
    operation: Operation,
    body: Vec<u8>,
) -> Result<Admitted, RelayError> {
    check_model_id(model_id)?;
    if !offers(policy, model_id) {
        return Err(RelayError::Bedrock(BedrockError::new(
            ErrorKind::AccessDenied,
            format!("This relay does not offer the model {model_id}."),
        )));
    }
    // (The body's size was capped as it was read: `intake::read_capped`.)
    check_size(policy, &body, &[])?;
    let mut request: ConverseRequest = serde_json::from_slice(&body).map_err(|e| {
        invalid(format!("Malformed input request: {e}, please reformat your input and try again."))
    })?;
    check_attachments(policy, &request.messages)?;
    check_tier(policy, request.service_tier.as_ref())?;
    system_tools::check(&policy.system_tools, &request)?;
    s3::check(&policy.s3_prefixes, &request.messages)?;

    let mut rewritten = match site {
        Some((origin, site, preset)) => site::apply(origin, site, preset, model_id, &mut request)?,
        None => false,
    };
    if policy.max_output_tokens.is_some() {
        let cap = output_cap(policy, model_id);
        let config = request.inference_config.get_or_insert_with(Default::default);
        match config.max_tokens {
            Some(asked) if asked > cap => {
                return Err(invalid(format!("maxTokens {asked} is above this relay's limit of {cap}.")));
            }
            Some(_) => {}
            None => {
                config.max_tokens = Some(cap);
                rewritten = true;
            }
        }
    }
    let project = match project_of(policy, request.project_identifier.as_deref())? {
        Some(named) => named,
        None if policy.project == project::DEFAULT => policy.project.clone(),
        None => {
            request.project_identifier = Some(policy.project.clone());
            rewritten = true;
            policy.project.clone()
        }
    };
    if let Some((id, version)) = &policy.guardrail {
        enforce_guardrail(policy, &mut request, operation)?;
        let config = request.guardrail_config.get_or_insert_with(|| GuardrailConfiguration {
            guardrail_identifier: None,
            guardrail_version: None,
            trace: None,
            stream_processing_mode: None,
            extra: Extra::new(),
        });
        config.guardrail_identifier = Some(id.clone());
        config.guardrail_version = Some(version.clone());
        if operation == Operation::ConverseStream {
            config.stream_processing_mode = Some(GuardrailStreamProcessingMode::Sync);
        }
        rewritten = true;
    }
    if !rewritten {
        return Ok(Admitted { body, project });
    }
    // At most one parsed copy and one byte copy alive at once: the client's bytes go before
    // the request is written again.
    let size = body.len() + 1024; // what the policy adds is small
    drop(body);
    let mut body = Vec::with_capacity(size);
    serde_json::to_writer(&mut body, &request).map_err(|e| RelayError::Internal(e.to_string()))?;
    drop(request);
    Ok(Admitted { body, project })
}

#[cfg(test)]
mod tests;

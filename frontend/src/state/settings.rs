//! The open conversation's choices — its model, request settings, tools and tool choice —
//! and what there is to choose from (the relay's models and tools), with the defaults new
//! conversations start with.
//!
//! A change the person makes is kept with the conversation: [`SettingsState::changed`] fires,
//! and the open conversation, which watches it, saves itself.

use std::collections::BTreeMap;

use converse_shared::models::{ModelListing, ModelRules, rules_for};
use converse_shared::reply_format;
use converse_shared::{
    ConverseRequest, GuardrailConfiguration, InferenceConfiguration, ServiceTier, ServiceTierType,
    SystemContentBlock, ToolSpecification,
};
use leptos::prelude::*;

use crate::api;

mod tools;
use crate::state::notices::Notices;
use crate::storage::{self, ConversationMeta, Settings, ToolSetting};

/// The model used until the person picks another.
pub const DEFAULT_MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const MODEL_KEY: &str = "converse-edge.model";
const DEFAULTS_KEY: &str = "converse-edge.defaults";

/// The settings new conversations start with.
pub(crate) fn default_settings() -> Settings {
    if let Some(settings) = crate::mode::widget().and_then(|w| w.defaults) {
        return settings;
    }
    storage::preference(DEFAULTS_KEY)
        .and_then(|json| serde_json::from_slice(json.as_bytes()).ok())
        .unwrap_or_default()
}

/// A tool as the settings panel lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedTool {
    /// Its name.
    pub name: String,
    /// What it does, as its spec says.
    pub description: String,
    /// Where it runs, in words.
    pub place: String,
}

/// The open conversation's choices, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct SettingsState {
    /// The model to talk to.
    pub model_id: RwSignal<String>,
    /// The open conversation's request settings.
    pub settings: RwSignal<Settings>,
    /// The models the relay offers, once it has said.
    pub models: RwSignal<Option<ModelListing>>,
    /// The relay could not be asked for its models (unreachable, or an error).
    pub listing_failed: RwSignal<bool>,
    /// This conversation's tool settings, by tool name.
    pub tool_settings: RwSignal<BTreeMap<String, ToolSetting>>,
    /// The tools the page offers (its own and the relay's), for the settings panel.
    pub tool_list: RwSignal<Vec<ListedTool>>,
    /// This conversation's tool choice: `None` lets the model decide, `"any"` makes it use
    /// some tool, a tool's name makes it use that tool (on the first request of a turn).
    pub tool_choice: RwSignal<Option<String>>,
    /// Fires when the person changed a choice of the open conversation.
    pub changed: Trigger,
    /// MCP servers the relay left out of its tools, and why.
    pub unavailable_servers: RwSignal<Vec<api::Unavailable>>,
    /// The deployer's tools, from the relay, once asked for, with where each runs.
    http_tools: StoredValue<Option<Vec<(ToolSpecification, String)>>>,
    /// The system tools the relay allows (Bedrock runs them within a reply).
    system_tools: StoredValue<Vec<String>>,
    notices: Notices,
}

impl SettingsState {
    /// The remembered model and the default settings.
    pub fn new(notices: Notices) -> Self {
        Self {
            model_id: RwSignal::new(
                storage::preference(MODEL_KEY).unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
            ),
            settings: RwSignal::new(default_settings()),
            models: RwSignal::new(None),
            listing_failed: RwSignal::new(false),
            tool_settings: RwSignal::new(BTreeMap::new()),
            tool_list: RwSignal::new(Vec::new()),
            tool_choice: RwSignal::new(None),
            changed: Trigger::new(),
            unavailable_servers: RwSignal::new(Vec::new()),
            http_tools: StoredValue::new(None),
            system_tools: StoredValue::new(Vec::new()),
            notices,
        }
    }

    /// What the chosen model accepts: the relay's word for offered models (its output cap
    /// included), the shared table otherwise.
    pub fn model_rules(self) -> ModelRules {
        let model_id = self.model_id.get();
        self.models
            .with(|listing| {
                listing.as_ref()?.models.iter().find(|m| m.model_id == model_id).map(|m| m.rules.clone())
            })
            .unwrap_or_else(|| rules_for(&model_id))
    }

    /// What model `model_id` accepts (see [`Self::model_rules`]).
    pub fn rules_of(self, model_id: &str) -> ModelRules {
        self.models
            .with_untracked(|listing| {
                listing.as_ref()?.models.iter().find(|m| m.model_id == model_id).map(|m| m.rules.clone())
            })
            .unwrap_or_else(|| rules_for(model_id))
    }

    /// Changes the open conversation's settings, and keeps them.
    pub fn set_settings(self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(change);
        self.notices.send_error.set(None);
        self.changed.notify();
    }

    /// Makes the open conversation's settings (and model) the defaults of new ones.
    pub fn save_defaults(self) {
        if let Ok(json) = serde_json::to_string(&self.settings.get_untracked()) {
            storage::set_preference(DEFAULTS_KEY, &json);
        }
        storage::set_preference(MODEL_KEY, &self.model_id.get_untracked());
    }

    /// Changes the open conversation's model (and remembers it for new ones).
    pub fn set_model(self, model_id: String) {
        if model_id.is_empty() {
            return;
        }
        storage::set_preference(MODEL_KEY, &model_id);
        self.model_id.set(model_id);
        self.notices.send_error.set(None);
        self.changed.notify();
    }

    /// Changes how `tool` may be used in this conversation, and keeps it.
    pub fn set_tool(self, tool: &str, setting: ToolSetting) {
        self.tool_settings.update(|s| {
            s.insert(tool.to_owned(), setting);
        });
        self.changed.notify();
    }

    /// Sets the tool choice (`None`: the model decides), and keeps it.
    pub fn set_tool_choice(self, choice: Option<String>) {
        self.tool_choice.set(choice);
        self.changed.notify();
    }

    /// The choices of a conversation being opened (not a change: nothing is saved).
    pub(crate) fn open(self, meta: &ConversationMeta) {
        self.tool_settings.set(meta.tool_settings.clone());
        self.tool_choice.set(meta.tool_choice.clone());
        self.settings.set(meta.settings.clone());
        self.model_id.set(meta.model_id.clone());
    }

    /// The choices of a new conversation: the defaults, and the model in use.
    pub(crate) fn reset(self) {
        self.tool_settings.set(BTreeMap::new());
        self.tool_choice.set(None);
        self.settings.set(default_settings());
    }

    /// Writes the choices into the conversation's record.
    pub(crate) fn record(self, meta: &mut ConversationMeta) {
        meta.model_id = self.model_id.get_untracked();
        meta.tool_settings = self.tool_settings.get_untracked();
        meta.tool_choice = self.tool_choice.get_untracked();
        meta.settings = self.settings.get_untracked();
    }

    /// The model a new conversation should take instead of the current one: the relay's
    /// first, when the relay lists its models and the current one is not among them (its
    /// first message would otherwise be refused).
    pub(crate) fn offered_instead(self) -> Option<String> {
        let current = self.model_id.get_untracked();
        self.models.with_untracked(|listing| {
            let listing = listing.as_ref().filter(|l| !l.any_model)?;
            let offered = listing.models.iter().any(|m| m.model_id == current);
            (!offered).then(|| listing.models.first().map(|m| m.model_id.clone())).flatten()
        })
    }

    /// Puts the conversation's settings into a request.
    pub(crate) fn apply(self, request: &mut ConverseRequest) {
        let rules = self.rules_of(&self.model_id.get_untracked());
        self.settings.with_untracked(|settings| {
            if rules.structured_output {
                request.output_config = reply_format::output_config(&settings.reply_schema).ok().flatten();
            }
            if let Some(effort) = &settings.effort
                && rules.effort.split_whitespace().any(|level| level == effort)
            {
                request.output_config.get_or_insert_with(reply_format::no_output_config).effort =
                    Some(effort.clone());
            }
            if !settings.system_prompt.trim().is_empty() {
                request.system = Some(vec![SystemContentBlock::Text(settings.system_prompt.clone())]);
            }
            let config = InferenceConfiguration {
                max_tokens: settings.max_tokens,
                temperature: settings.temperature,
                top_p: settings.top_p,
                stop_sequences: (!settings.stop_sequences.is_empty())
                    .then(|| settings.stop_sequences.clone()),
                ..Default::default()
            };
            if config != InferenceConfiguration::default() {
                request.inference_config = Some(config);
            }
            request.additional_model_request_fields = settings.additional_fields().ok().flatten();
            request.service_tier = settings.service_tier.as_ref().map(|tier| ServiceTier {
                r#type: ServiceTierType::from(tier.as_str()),
                extra: Default::default(),
            });
            if let Ok(Some((id, version))) = settings.guardrail() {
                request.guardrail_config = Some(GuardrailConfiguration {
                    guardrail_identifier: Some(id.to_owned()),
                    guardrail_version: Some(version.to_owned()),
                    trace: None,
                    stream_processing_mode: None,
                    extra: Default::default(),
                });
            }
        });
    }
}

//! The tools a conversation offers: the page's own, the deployer's (through the relay), and
//! Bedrock's system tools the relay allows, each switched on or off here.

use converse_shared::models::ModelRules;
use converse_shared::tools::{builtin_specs, tool_config, tool_history_as_text, withdraw_switched_off};
use converse_shared::{
    AnyToolChoice, ConverseRequest, SpecificToolChoice, Tool, ToolChoice, ToolConfiguration,
    ToolSpecification,
};
use leptos::prelude::*;

use super::{ListedTool, SettingsState};
use crate::api;
use crate::storage::ToolSetting;

impl SettingsState {
    /// Asks the relay for its tools, once.
    pub(crate) async fn load_tools(self) {
        if self.http_tools.with_value(Option::is_some) {
            return;
        }
        // The widget offers no tools: a site's visitors get the deployer's chat, not a toolbox.
        if crate::mode::widget().is_some() {
            self.http_tools.set_value(Some(Vec::new()));
            return;
        }
        let relay = api::http_tools().await;
        self.http_tools.set_value(Some(relay.specs()));
        self.system_tools.set_value(relay.system_tools());
        self.unavailable_servers.set(relay.unavailable);
        let runs = |name: &str| {
            self.http_tools.with_value(|tools| {
                let listed = tools.iter().flatten().find(|(s, _)| s.name == name);
                match listed.map(|(_, runs)| runs.as_str()) {
                    None => "Runs in this page".to_owned(),
                    Some("lambda") => "Runs in AWS Lambda, called by the relay".to_owned(),
                    Some(runs) => match runs.strip_prefix("mcp:") {
                        Some(server) => format!("Runs on the MCP server {server}, called by the relay"),
                        None => "Runs on the relay's server".to_owned(),
                    },
                }
            })
        };
        let listed = self.all_tool_specs().into_iter().map(|s| ListedTool {
            place: runs(&s.name),
            description: s.description.unwrap_or_default(),
            name: s.name,
        });
        let system = self.system_tools.get_value().into_iter().map(|name| ListedTool {
            description: match name.as_str() {
                "nova_grounding" => "Searches the web, and cites what it found.".into(),
                "nova_code_interpreter" => "Writes and runs Python code in a sandbox.".into(),
                _ => String::new(),
            },
            place: "Run by Bedrock, for the models that have it (Nova 2 Lite)".into(),
            name,
        });
        self.tool_list.set(listed.chain(system).collect());
    }

    /// The tools the page offers: its own, then the relay's (a name the page has wins).
    pub(crate) fn all_tool_specs(self) -> Vec<ToolSpecification> {
        if crate::mode::widget().is_some() {
            return Vec::new();
        }
        let mut specs = builtin_specs();
        for (spec, _) in self.http_tools.get_value().unwrap_or_default() {
            if !specs.iter().any(|s| s.name == spec.name) {
                specs.push(spec);
            }
        }
        specs
    }

    /// Whether a call of `tool` may run: it is offered here and switched on (a model may name
    /// any tool, offered or not).
    pub(crate) fn may_run(self, tool: &str) -> Option<ToolSetting> {
        let setting = self.tool_settings.with_untracked(|s| s.get(tool).copied().unwrap_or_default());
        (setting.enabled && self.all_tool_specs().iter().any(|s| s.name == tool)).then_some(setting)
    }

    /// Sets the tools of `request` for the model `rules` describe: those switched on
    /// ([`Self::tool_config`]). Tools the conversation called and that are off now keep their
    /// calls valid: a model that takes tool changes is sent them declared as before and
    /// withdrawn after their last use ([`withdraw_switched_off`]); to a request with no tools,
    /// the calls go as text ([`tool_history_as_text`]).
    pub(crate) async fn offer_tools(
        self,
        request: &mut ConverseRequest,
        rules: &ModelRules,
        first_round: bool,
    ) {
        if rules.tools && rules.streaming_tools {
            request.tool_config = self.tool_config(first_round).await;
            let known = self.all_tool_specs();
            if rules.system_messages
                && withdraw_switched_off(&mut request.messages, &mut request.tool_config, &known).is_some()
            {
                return;
            }
        }
        if request.tool_config.is_none() {
            tool_history_as_text(&mut request.messages);
        }
    }

    /// The tools a request offers: those switched on. A forced tool choice applies to the
    /// first request of a turn only: later rounds answer with the results, and forcing a tool
    /// there would loop until the round cap.
    pub(crate) async fn tool_config(self, first_round: bool) -> Option<ToolConfiguration> {
        // A message sent before the page finished asking the relay for its tools waits for them.
        self.load_tools().await;
        let settings = self.tool_settings.get_untracked();
        let on = |name: &str| settings.get(name).is_none_or(|t| t.enabled);
        let specs = self.all_tool_specs().into_iter().filter(|s| on(&s.name)).collect();
        // Bedrock's own tools the relay allows, switched on, that this model runs.
        let rules = self.rules_of(&self.model_id.get_untracked());
        let system: Vec<Tool> = self
            .system_tools
            .get_value()
            .into_iter()
            .filter(|name| on(name) && rules.system_tools.split_whitespace().any(|t| t == name))
            .map(|name| {
                Tool::SystemTool(converse_shared::types::SystemTool { name, extra: Default::default() })
            })
            .collect();
        let mut config = match tool_config(specs) {
            Some(mut config) => {
                config.tools.extend(system);
                config
            }
            None if !system.is_empty() => {
                ToolConfiguration { tools: system, tool_choice: None, extra: Default::default() }
            }
            None => return None,
        };
        if first_round {
            config.tool_choice = match self.tool_choice.get_untracked().as_deref() {
                Some("any") => Some(ToolChoice::Any(AnyToolChoice { extra: Default::default() })),
                Some(name)
                    if config.tools.iter().any(|t| matches!(t, Tool::ToolSpec(s) if s.name == name)) =>
                {
                    Some(ToolChoice::Tool(SpecificToolChoice {
                        name: name.to_owned(),
                        extra: Default::default(),
                    }))
                }
                _ => None,
            };
        }
        Some(config)
    }
}

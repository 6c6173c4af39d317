//! Tools: what the model may call, its calls, and their results.

use super::open_enum::open_enum;
use super::{CachePointBlock, Document, DocumentBlock, ImageBlock, SearchResultBlock, VideoBlock};

wire_struct! {
    /// The tools offered to the model (`ToolConfiguration`).
    pub struct ToolConfiguration {
        /// The tools.
        tools: Vec<Tool>,
    }
    optional {
        /// Whether and which tool the model must use.
        tool_choice: ToolChoice,
    }
}

open_union! {
    /// One entry of `tools` (`Tool`).
    pub enum Tool {
        /// A tool the application runs.
        ToolSpec(ToolSpecification) = "toolSpec",
        /// A tool the model provider runs.
        SystemTool(SystemTool) = "systemTool",
        /// A prompt-cache checkpoint after the tools.
        CachePoint(CachePointBlock) = "cachePoint",
    }
}

wire_struct! {
    /// A tool the application runs (`ToolSpecification`).
    pub struct ToolSpecification {
        /// Its name (letters, digits, `_`, `-`; at most 64).
        name: String,
        /// Its input's JSON schema.
        input_schema: ToolInputSchema,
    }
    optional {
        /// What it does, for the model.
        description: String,
        /// Whether the model must follow the schema strictly.
        strict: bool,
    }
}

open_union! {
    /// A tool's input schema (`ToolInputSchema`).
    pub enum ToolInputSchema {
        /// A JSON schema.
        Json(Document) = "json",
    }
}

wire_struct! {
    /// A tool the model provider runs (`SystemTool`).
    pub struct SystemTool {
        /// Its name.
        name: String,
    }
}

open_union! {
    /// Whether and which tool the model must use (`ToolChoice`).
    pub enum ToolChoice {
        /// The model decides.
        Auto(AutoToolChoice) = "auto",
        /// The model must use some tool.
        Any(AnyToolChoice) = "any",
        /// The model must use this tool.
        Tool(SpecificToolChoice) = "tool",
    }
}

wire_struct! {
    /// `{}`: the model decides (`AutoToolChoice`).
    pub struct AutoToolChoice {}
}

wire_struct! {
    /// `{}`: the model must use a tool (`AnyToolChoice`).
    pub struct AnyToolChoice {}
}

wire_struct! {
    /// The tool the model must use (`SpecificToolChoice`).
    pub struct SpecificToolChoice {
        /// Its name.
        name: String,
    }
}

open_enum! {
    /// `ToolUseType`.
    pub enum ToolUseType {
        /// A call the provider runs itself.
        ServerToolUse = "server_tool_use",
    }
}

wire_struct! {
    /// The model asks for a tool to run (`ToolUseBlock`).
    pub struct ToolUseBlock {
        /// Names this call; its result must carry the same id.
        tool_use_id: String,
        /// The tool.
        name: String,
        /// The tool's input (JSON).
        input: Document,
    }
    optional {
        /// Set for calls the provider runs.
        r#type: ToolUseType,
    }
}

open_enum! {
    /// `ToolResultStatus`.
    pub enum ToolResultStatus {
        /// The tool ran.
        Success = "success",
        /// The tool failed; the content says why.
        Error = "error",
    }
}

wire_struct! {
    /// A tool's answer (`ToolResultBlock`).
    pub struct ToolResultBlock {
        /// The call it answers.
        tool_use_id: String,
        /// What the tool returned.
        content: Vec<ToolResultContentBlock>,
    }
    optional {
        /// Success or error.
        status: ToolResultStatus,
        /// The kind of result, for server tools.
        r#type: String,
    }
}

open_union! {
    /// A block of a tool's answer (`ToolResultContentBlock`).
    pub enum ToolResultContentBlock {
        /// JSON.
        Json(Document) = "json",
        /// Text.
        Text(String) = "text",
        /// An image.
        Image(ImageBlock) = "image",
        /// A document.
        Document(DocumentBlock) = "document",
        /// A video.
        Video(VideoBlock) = "video",
        /// A search result.
        SearchResult(SearchResultBlock) = "searchResult",
    }
}

impl ToolResultContentBlock {
    /// The block as a person reads it: text as it is, JSON as JSON text, a search result as
    /// its title, source and passages, anything else named by its member (`[image]`).
    pub fn as_readable(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Json(j) => j.to_string(),
            Self::SearchResult(r) => crate::search::as_text(r),
            other => format!("[{}]", other.member_name()),
        }
    }
}

wire_struct! {
    /// Names a tool added or removed mid-conversation (`ToolReference`).
    pub struct ToolReference {}
    optional {
        /// The kind of tool.
        r#type: String,
        /// The tool's name.
        name: String,
        /// The server providing it.
        server_name: String,
    }
}

wire_struct! {
    /// A tool added mid-conversation (`ToolAdditionBlock`).
    pub struct ToolAdditionBlock {
        /// The tool.
        tool: ToolReference,
    }
}

wire_struct! {
    /// A tool removed mid-conversation (`ToolRemovalBlock`).
    pub struct ToolRemovalBlock {
        /// The tool.
        tool: ToolReference,
    }
}

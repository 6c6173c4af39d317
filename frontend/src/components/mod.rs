//! The page's components, one per file.

pub(crate) mod cache;
pub(crate) mod composer;
pub(crate) mod guardrail;
pub(crate) mod header;
pub(crate) mod keys;
pub(crate) mod message_list;
pub(crate) mod reply_format;
pub(crate) mod reply_parts;
pub(crate) mod settings;
pub(crate) mod sidebar;
pub(crate) mod starters;
pub(crate) mod tier;
pub(crate) mod tool_cards;
pub(crate) mod usage;

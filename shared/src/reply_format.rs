//! Structured output: a conversation may ask for replies that follow a JSON schema
//! (`outputConfig.textFormat`, `json_schema`), where the model takes it
//! ([`crate::models::ModelRules::structured_output`]):
//! <https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html>.

use serde_json::Value;

use crate::types::{
    JsonSchemaDefinition, OutputConfig, OutputFormat, OutputFormatStructure, OutputFormatType,
};

/// The `outputConfig` for replies that follow `schema`, the JSON schema as the person wrote
/// it (blank: free text, `None`). An error says what is wrong with the schema, in words
/// for the person who wrote it.
pub fn output_config(schema: &str) -> Result<Option<OutputConfig>, String> {
    if schema.trim().is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(schema.as_bytes())
        .map_err(|e| format!("the reply format is not valid JSON: {e}"))?;
    let Some(object) = value.as_object() else {
        return Err("the reply format must be a JSON schema: an object, like {\"type\": \"object\"}".into());
    };
    if !object.contains_key("type") && !object.contains_key("properties") && !object.contains_key("$ref") {
        return Err("the reply format must say what the reply is: give the schema a \"type\"".into());
    }
    let name = object.get("title").and_then(Value::as_str).map(str::to_owned);
    let description = object.get("description").and_then(Value::as_str).map(str::to_owned);
    Ok(Some(OutputConfig {
        text_format: Some(OutputFormat {
            r#type: OutputFormatType::JsonSchema,
            structure: OutputFormatStructure::JsonSchema(JsonSchemaDefinition {
                schema: value.to_string(),
                name,
                description,
                extra: Default::default(),
            }),
            extra: Default::default(),
        }),
        effort: None,
        extra: Default::default(),
    }))
}

/// An `outputConfig` that asks for nothing yet (an effort level goes in it).
pub fn no_output_config() -> OutputConfig {
    OutputConfig { text_format: None, effort: None, extra: Default::default() }
}

/// A reply to show as JSON: its whole text is one JSON object or array.
pub fn json_reply(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_slice::<Value>(trimmed.as_bytes()).ok().filter(|v| v.is_object() || v.is_array())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_becomes_the_output_config_and_a_blank_one_none() {
        assert_eq!(output_config("  "), Ok(None));
        let config = output_config(
            r#"{"title": "City", "type": "object", "properties": {"name": {"type": "string"}}}"#,
        )
        .unwrap()
        .unwrap();
        let wire = serde_json::to_value(&config).unwrap();
        assert_eq!(wire["textFormat"]["type"], "json_schema");
        let definition = &wire["textFormat"]["structure"]["jsonSchema"];
        assert_eq!(definition["name"], "City");
        assert_eq!(
            definition["schema"],
            r#"{"title":"City","type":"object","properties":{"name":{"type":"string"}}}"#,
            "sent compact, in the order it was written"
        );
    }

    #[test]
    fn a_schema_that_is_not_one_is_refused_with_why() {
        assert!(output_config("{\"type\": ").unwrap_err().starts_with("the reply format is not valid JSON"));
        assert!(output_config("[1]").unwrap_err().contains("must be a JSON schema"));
        assert!(output_config("{\"title\": \"x\"}").unwrap_err().contains("give the schema a \"type\""));
    }

    #[test]
    fn a_reply_is_json_when_all_of_it_is() {
        assert_eq!(json_reply(" {\"a\": 1}\n"), Some(serde_json::json!({"a": 1})));
        assert_eq!(json_reply("[1, 2]"), Some(serde_json::json!([1, 2])));
        assert_eq!(json_reply("{\"a\": 1} and more"), None);
        assert_eq!(json_reply("42"), None);
        assert_eq!(json_reply("Here: {\"a\": 1}"), None);
    }
}

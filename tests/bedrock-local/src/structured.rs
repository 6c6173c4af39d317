//! Structured output (`outputConfig.textFormat`): the reply is JSON that follows the request's
//! schema, as Bedrock's constrained decoding makes it
//! (<https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html>). The
//! stand-in writes one instance of the schema, the same for the same schema.

use converse_shared::ConverseRequest;
use converse_shared::types::OutputFormatStructure;
use serde_json::{Map, Value, json};

/// The JSON schema text the request asks the reply to follow, if any.
pub fn schema_of(request: &ConverseRequest) -> Option<&str> {
    let format = request.output_config.as_ref()?.text_format.as_ref()?;
    match &format.structure {
        OutputFormatStructure::JsonSchema(definition) => Some(&definition.schema),
        _ => None,
    }
}

/// An instance of `schema`: every property of an object (required or not), one item of an
/// array, an enum's or a union's first choice, and a plain value of each type.
pub fn instance(schema: &Value, defs: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(target) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return instance(&defs[target], defs, depth + 1);
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    for union in ["anyOf", "oneOf"] {
        if let Some(first) = schema[union].get(0) {
            return instance(first, defs, depth + 1);
        }
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => {
            kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("null")
        }
        Value::String(kind) => kind.as_str(),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match kind {
        "object" => {
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                object.insert(name.clone(), instance(property, defs, depth + 1));
            }
            Value::Object(object)
        }
        "array" => {
            let least = schema["minItems"].as_u64().unwrap_or(1).clamp(1, 3) as usize;
            Value::Array(vec![instance(&schema["items"], defs, depth + 1); least])
        }
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(0).max(2)),
        "number" => json!(schema["minimum"].as_f64().unwrap_or(0.0).max(2.5)),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => json!("example"),
    }
}

/// An instance of `schema`, its `$defs` (or `definitions`) resolved: a structured reply, or
/// the input of a tool call.
pub fn sample(schema: &Value) -> Value {
    let defs = schema.get("$defs").or_else(|| schema.get("definitions")).cloned().unwrap_or_default();
    instance(schema, &defs, 0)
}

/// The reply to a request for `schema`: compact JSON, as Bedrock's structured replies come.
pub fn reply(schema: &str) -> String {
    let schema: Value = serde_json::from_slice(schema.as_bytes()).unwrap_or_default();
    sample(&schema).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_follows_the_schema() {
        let schema = r##"{"type":"object","properties":{"city":{"type":"string"},"population":{"type":"integer"},
            "tags":{"type":"array","items":{"enum":["coastal","capital"]}},"mayor":{"$ref":"#/$defs/person"},
            "area":{"type":["number","null"]}},"required":["city"],"additionalProperties":false,
            "$defs":{"person":{"type":"object","properties":{"name":{"type":"string"}}}}}"##;
        let reply: Value = serde_json::from_slice(reply(schema).as_bytes()).unwrap();
        assert_eq!(
            reply,
            json!({"city":"example","population":2,"tags":["coastal"],"mayor":{"name":"example"},"area":2.5})
        );
    }
}

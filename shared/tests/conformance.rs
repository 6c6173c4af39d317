//! Our wire model against the one the AWS SDKs are generated from.
//!
//! The `bedrock-runtime` service model comes from the `botocore` that `tests/requirements.txt`
//! pins (installed from PyPI into `.venv` by `scripts/setup.sh`), or the file
//! `BOTOCORE_BEDROCK_MODEL` names. For every structure,
//! union member and enum value reachable from `ConverseRequest`, `ConverseStreamRequest`,
//! `ConverseResponse`, `ConverseStreamOutput`, `CountTokensRequest` and `CountTokensResponse`,
//! sample values are generated and must
//! round-trip through our types without loss, and without any member or value landing in
//! the "unknown" catch-alls — a member missing from our types fails with its name.

use std::io::Read;
use std::path::{Path, PathBuf};

use converse_shared::types::{
    ConverseRequest, ConverseResponse, CountTokensRequest, CountTokensResponse, StreamEvent,
    take_unrecognized,
};
use serde_json::{Map, Value, json};

/// The botocore version `tests/requirements.txt` pins.
fn pinned_botocore() -> String {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/requirements.txt");
    let text = std::fs::read_to_string(&lock).unwrap();
    let line = text.lines().find_map(|l| l.strip_prefix("botocore==")).expect("botocore is pinned");
    line.trim_end_matches(|c: char| c == '\\' || c.is_whitespace()).to_owned()
}

/// The service model: the one `BOTOCORE_BEDROCK_MODEL` names, else the pinned botocore's in
/// `.venv` (so this test changes only when the pin does; `scripts/newer-api.sh` tries newer).
fn find_model() -> PathBuf {
    if let Ok(path) = std::env::var("BOTOCORE_BEDROCK_MODEL") {
        return PathBuf::from(path);
    }
    let pinned = pinned_botocore();
    let venv_lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/lib");
    let found = std::fs::read_dir(&venv_lib).ok().and_then(|pythons| {
        pythons.flatten().find_map(|python| {
            let packages = python.path().join("site-packages");
            assert!(
                packages.join(format!("botocore-{pinned}.dist-info")).exists(),
                "{packages:?} does not hold botocore {pinned}, the version tests/requirements.txt pins: run scripts/setup.sh"
            );
            let dir = packages.join("botocore/data/bedrock-runtime");
            let version = std::fs::read_dir(dir).ok()?.flatten().map(|d| d.path()).max()?;
            ["service-2.json.gz", "service-2.json"].iter().map(|f| version.join(f)).find(|p| p.exists())
        })
    });
    found.unwrap_or_else(|| {
        panic!("botocore's bedrock-runtime model was not found under {venv_lib:?}: run scripts/setup.sh")
    })
}

fn load_model() -> Map<String, Value> {
    let path = find_model();
    let bytes = std::fs::read(&path).unwrap();
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    };
    let model: Value = serde_json::from_slice(text.as_bytes()).unwrap();
    model["shapes"].as_object().unwrap().clone()
}

/// Makes sample values. `variant` picks which member of each union and which value of each
/// enum appears, so that running variants 0..N covers every member and value.
struct Samples<'a> {
    shapes: &'a Map<String, Value>,
    variant: usize,
    /// Only required members (checks that we do not require what Bedrock does not).
    minimal: bool,
}

impl Samples<'_> {
    fn shape(&self, name: &str) -> &Value {
        &self.shapes[name]
    }

    fn sample(&self, name: &str, depth: usize) -> Value {
        assert!(depth < 32, "the model recursed through {name}");
        let shape = self.shape(name);
        match shape["type"].as_str().unwrap() {
            "structure" if shape["document"] == json!(true) => json!({"any": [1, "json", {"nested": true}]}),
            "structure" if shape["union"] == json!(true) => {
                let members = shape["members"].as_object().unwrap();
                let (member, def) = members.iter().nth(self.variant % members.len()).unwrap();
                json!({ member: self.sample(def["shape"].as_str().unwrap(), depth + 1) })
            }
            "structure" => {
                let required: Vec<&str> = shape["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut out = Map::new();
                for (member, def) in shape["members"].as_object().unwrap() {
                    if def.get("location").is_some() || (self.minimal && !required.contains(&member.as_str()))
                    {
                        continue; // path, header or query members are not in the JSON body
                    }
                    out.insert(member.clone(), self.sample(def["shape"].as_str().unwrap(), depth + 1));
                }
                Value::Object(out)
            }
            "list" => json!([self.sample(shape["member"]["shape"].as_str().unwrap(), depth + 1)]),
            "map" => json!({ "key": self.sample(shape["value"]["shape"].as_str().unwrap(), depth + 1) }),
            "string" => match shape["enum"].as_array() {
                Some(values) => values[self.variant % values.len()].clone(),
                None => json!("text"),
            },
            "blob" => json!("AAECAwQ="),
            "integer" | "long" => json!(self.variant as u64 + 1),
            "float" | "double" => json!(0.5),
            "boolean" => json!(true),
            other => panic!("shape type {other} ({name}) has no sample yet"),
        }
    }

    /// How many variants cover every union member and enum value.
    fn variants(shapes: &Map<String, Value>) -> usize {
        shapes
            .values()
            .map(|s| {
                s["members"]
                    .as_object()
                    .filter(|_| s["union"] == json!(true))
                    .map_or(0, |m| m.len())
                    .max(s["enum"].as_array().map_or(0, |e| e.len()))
            })
            .max()
            .unwrap()
    }
}

fn check<T: serde::de::DeserializeOwned + serde::Serialize>(what: &str, sample: &Value) -> Vec<String> {
    take_unrecognized();
    let typed: T = match serde_json::from_value(sample.clone()) {
        Ok(t) => t,
        Err(e) => return vec![format!("{what}: our types refuse the sample: {e}\n{sample:#}")],
    };
    let mut problems: Vec<String> = take_unrecognized()
        .into_iter()
        .map(|name| format!("{what}: `{name}` is missing from our types"))
        .collect();
    let back = serde_json::to_value(&typed).unwrap();
    if problems.is_empty() && &back != sample {
        problems.push(format!("{what}: the round trip changed the value\n sent: {sample}\n back: {back}"));
    }
    problems
}

#[test]
fn every_member_and_value_round_trips_through_our_types() {
    let shapes = load_model();
    let mut problems = Vec::new();
    for minimal in [false, true] {
        for variant in 0..Samples::variants(&shapes) {
            let samples = Samples { shapes: &shapes, variant, minimal };
            let label = |root: &str| {
                format!("{root} (variant {variant}{})", if minimal { ", required only" } else { "" })
            };
            problems.extend(check::<ConverseRequest>(
                &label("ConverseRequest"),
                &samples.sample("ConverseRequest", 0),
            ));
            problems.extend(check::<ConverseRequest>(
                &label("ConverseStreamRequest"),
                &samples.sample("ConverseStreamRequest", 0),
            ));
            problems.extend(check::<ConverseResponse>(
                &label("ConverseResponse"),
                &samples.sample("ConverseResponse", 0),
            ));
            problems.extend(check::<CountTokensRequest>(
                &label("CountTokensRequest"),
                &samples.sample("CountTokensRequest", 0),
            ));
            problems.extend(check::<CountTokensResponse>(
                &label("CountTokensResponse"),
                &samples.sample("CountTokensResponse", 0),
            ));
            for (member, def) in shapes["ConverseStreamOutput"]["members"].as_object().unwrap() {
                let sample = samples.sample(def["shape"].as_str().unwrap(), 0);
                let what = label(&format!("ConverseStreamOutput.{member}"));
                take_unrecognized();
                match StreamEvent::from_member_value(member, sample.clone()) {
                    Ok(event) => {
                        problems.extend(
                            take_unrecognized()
                                .into_iter()
                                .map(|n| format!("{what}: `{n}` is missing from our types")),
                        );
                        let back: Value =
                            serde_json::from_slice(event.member_json().unwrap().as_bytes()).unwrap();
                        if back != sample {
                            problems.push(format!(
                                "{what}: the round trip changed the value\n sent: {sample}\n back: {back}"
                            ));
                        }
                    }
                    Err(e) => problems.push(format!("{what}: our types refuse the sample: {e}")),
                }
            }
        }
    }
    problems.dedup();
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_member_we_do_not_know_is_reported_by_name() {
    // The check above can fail: a member outside our types is caught by name.
    let sample = json!({"messages": [{"role": "user", "content": [{"text": "hi"}], "mood": "curious"}]});
    assert_eq!(
        check::<ConverseRequest>("ConverseRequest", &sample),
        ["ConverseRequest: `mood` is missing from our types"]
    );
    let sample = json!({"messages": [{"role": "user", "content": [{"hologram": {}}]}]});
    assert_eq!(
        check::<ConverseRequest>("ConverseRequest", &sample),
        ["ConverseRequest: `hologram` is missing from our types"]
    );
}

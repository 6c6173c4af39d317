//! What the wire model does not know yet: kept, written back, and reported.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Members of a structure that this version of the model does not name, kept verbatim so
/// they survive a round trip through the relay and the page.
///
/// Bedrock's stream padding field `"p"` is dropped on the way in: it is filler, never data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Extra(pub Map<String, Value>);

impl Extra {
    /// No extra members.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Deref for Extra {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = Map::deserialize(deserializer)?;
        map.remove("p");
        for key in map.keys() {
            note_unrecognized(key);
        }
        Ok(Self(map))
    }
}

const MAX_NOTED: usize = 64;

thread_local! {
    static UNRECOGNIZED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Notes a member name or enum value this version does not know (the most recent 64 are kept).
pub(crate) fn note_unrecognized(name: &str) {
    UNRECOGNIZED.with(|u| {
        let mut u = u.borrow_mut();
        if u.len() == MAX_NOTED {
            u.remove(0);
        }
        u.push(name.to_owned());
    });
}

/// The member names and enum values this thread read without knowing them, since the last
/// call. A relay can log them; the conformance test uses them to find gaps in the model.
pub fn take_unrecognized() -> Vec<String> {
    UNRECOGNIZED.with(|u| std::mem::take(&mut *u.borrow_mut()))
}

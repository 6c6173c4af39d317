//! Bedrock's unions ("exactly one member set") as open Rust enums.
//!
//! A union member that this crate does not know yet (the API grows) is kept as
//! [`UnknownMember`] and written back unchanged, so a relay or a stored conversation
//! never silently loses it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A union member this version of the wire model does not know: its name and raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownMember {
    /// The member's name as it appeared on the wire (e.g. `"toolAddition"`).
    pub name: String,
    /// The member's value, untouched.
    pub value: Value,
}

/// Defines an open union: a Rust enum with one variant per known member plus
/// `Unknown(UnknownMember)`, serialised as a JSON object with exactly one key.
macro_rules! open_union {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ty) = $key:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        // Unions mirror the wire model one to one; a member is moved, not copied, per event.
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $( $(#[$vmeta])* $variant($ty), )*
            /// A member this version does not know; kept so it survives a round trip.
            Unknown($crate::union::UnknownMember),
        }

        impl $name {
            /// The wire name of the member this value holds.
            pub fn member_name(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $key, )*
                    Self::Unknown(u) => &u.name,
                }
            }

            /// Builds the union from a member name and that member's JSON text.
            pub fn from_member_json(name: &str, json: &[u8]) -> serde_json::Result<Self> {
                Ok(match name {
                    $( $key => Self::$variant(serde_json::from_slice(json)?), )*
                    _ => {
                        $crate::types::note_unrecognized(name);
                        Self::Unknown($crate::union::UnknownMember {
                            name: name.to_owned(),
                            value: serde_json::from_slice(json)?,
                        })
                    }
                })
            }

            /// Builds the union from a member name and that member's JSON value.
            pub fn from_member_value(name: &str, value: serde_json::Value) -> serde_json::Result<Self> {
                Ok(match name {
                    $( $key => Self::$variant(serde_json::from_value(value)?), )*
                    _ => {
                        $crate::types::note_unrecognized(name);
                        Self::Unknown($crate::union::UnknownMember { name: name.to_owned(), value })
                    }
                })
            }

            /// The JSON text of the member's value (without the member name around it).
            pub fn member_json(&self) -> serde_json::Result<String> {
                match self {
                    $( Self::$variant(v) => serde_json::to_string(v), )*
                    Self::Unknown(u) => serde_json::to_string(&u.value),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                match self {
                    $( Self::$variant(v) => map.serialize_entry($key, v)?, )*
                    Self::Unknown(u) => map.serialize_entry(&u.name, &u.value)?,
                }
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            // Reads the one member straight into its type: no intermediate JSON value (which
            // cost a second pass, and a second copy of every member type's reader).
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct OneMember;
                impl<'de> serde::de::Visitor<'de> for OneMember {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "{} with exactly one member set", stringify!($name))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        use serde::de::Error as _;
                        let Some(name) = map.next_key::<String>()? else {
                            return Err(A::Error::custom(format_args!(
                                "{} must have exactly one member set, found none",
                                stringify!($name)
                            )));
                        };
                        let value = match name.as_str() {
                            $( $key => $name::$variant(map.next_value()?), )*
                            _ => {
                                $crate::types::note_unrecognized(&name);
                                let value = map.next_value()?;
                                $name::Unknown($crate::union::UnknownMember { name, value })
                            }
                        };
                        if let Some(other) = map.next_key::<String>()? {
                            return Err(A::Error::custom(format_args!(
                                "{} must have exactly one member set, found {} and {other}",
                                stringify!($name),
                                value.member_name()
                            )));
                        }
                        Ok(value)
                    }
                }
                deserializer.deserialize_map(OneMember)
            }
        }
    };
}

/// Defines a wire structure: Bedrock's camelCase JSON, required members first, then optional
/// ones (absent when `None`), then `extra` for members this version does not know.
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$rmeta:meta])* $req:ident : $rty:ty, )*
        }
        $( optional {
            $( $(#[$ometa:meta])* $opt:ident : $oty:ty, )*
        } )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $( $(#[$rmeta])* pub $req: $rty, )*
            $($(
                $(#[$ometa])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $opt: Option<$oty>,
            )*)?
            /// Members this version does not know, kept as they came.
            #[serde(flatten)]
            pub extra: $crate::types::Extra,
        }
    };
}

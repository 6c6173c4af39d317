//! The Converse, ConverseStream and CountTokens wire model: everything reachable from
//! `ConverseRequest`, `ConverseStreamRequest`, `ConverseResponse`, `ConverseStreamOutput`,
//! `CountTokensRequest` and `CountTokensResponse` in the AWS service model, named as Bedrock
//! names it.
//!
//! Every structure keeps members it does not know in `extra`, every union keeps members it
//! does not know as `Unknown`, and every enum keeps values it does not know as `Other`, so a
//! newer API's additions survive the relay and the page; [`take_unrecognized`] reports them.

mod blob;
mod content;
mod count;
mod extra;
mod guardrail;
mod media;
mod message;
mod open_enum;
mod request;
mod response;
mod stream;
mod tools;

pub use crate::union::UnknownMember;
pub use blob::Blob;
pub use content::*;
pub use count::*;
pub(crate) use extra::note_unrecognized;
pub use extra::{Extra, take_unrecognized};
pub use guardrail::*;
pub use media::*;
pub use message::*;
pub use request::*;
pub use response::*;
pub use stream::*;
pub use tools::*;

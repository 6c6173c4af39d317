//! Reasoning, citations, search results, cache points and guarded content.

use super::open_enum::open_enum;
use super::{Blob, ImageFormat};

open_union! {
    /// The model's reasoning (`ReasoningContentBlock`).
    pub enum ReasoningContentBlock {
        /// Readable reasoning, with the signature that proves it unaltered.
        ReasoningText(ReasoningTextBlock) = "reasoningText",
        /// Reasoning the provider encrypted; send it back as it came.
        RedactedContent(Blob) = "redactedContent",
    }
}

wire_struct! {
    /// Readable reasoning (`ReasoningTextBlock`).
    pub struct ReasoningTextBlock {
        /// The reasoning.
        text: String,
    }
    optional {
        /// Proof the text is the model's own, required to replay it to some models.
        signature: String,
    }
}

wire_struct! {
    /// Whether a document or search result may be cited (`CitationsConfig`).
    pub struct CitationsConfig {
        /// Citations on or off.
        enabled: bool,
    }
}

wire_struct! {
    /// Generated text with the citations that support it (`CitationsContentBlock`).
    pub struct CitationsContentBlock {}
    optional {
        /// The generated content.
        content: Vec<CitationGeneratedContent>,
        /// Where it comes from.
        citations: Vec<Citation>,
    }
}

impl CitationsContentBlock {
    /// Its generated text, its parts joined as they came.
    pub fn text(&self) -> String {
        let parts = self.content.iter().flatten().filter_map(|c| match c {
            CitationGeneratedContent::Text(t) => Some(t.as_str()),
            _ => None,
        });
        parts.collect()
    }
}

open_union! {
    /// A piece of generated content (`CitationGeneratedContent`).
    pub enum CitationGeneratedContent {
        /// Text.
        Text(String) = "text",
    }
}

wire_struct! {
    /// One citation (`Citation`).
    pub struct Citation {}
    optional {
        /// The source's title.
        title: String,
        /// The source.
        source: String,
        /// The cited passages.
        source_content: Vec<CitationSourceContent>,
        /// Where in the source.
        location: CitationLocation,
    }
}

open_union! {
    /// A cited passage (`CitationSourceContent`).
    pub enum CitationSourceContent {
        /// Text.
        Text(String) = "text",
    }
}

open_union! {
    /// Where a citation points (`CitationLocation`).
    pub enum CitationLocation {
        /// A web page.
        Web(WebLocation) = "web",
        /// Characters of a document.
        DocumentChar(DocumentCharLocation) = "documentChar",
        /// Pages of a document.
        DocumentPage(DocumentPageLocation) = "documentPage",
        /// Chunks of a document.
        DocumentChunk(DocumentChunkLocation) = "documentChunk",
        /// Part of a search result.
        SearchResultLocation(SearchResultLocation) = "searchResultLocation",
    }
}

wire_struct! {
    /// A web page (`WebLocation`).
    pub struct WebLocation {}
    optional {
        /// Its URL.
        url: String,
        /// Its domain.
        domain: String,
    }
}

macro_rules! range_location {
    ($(#[$meta:meta])* $name:ident, $index:ident) => {
        wire_struct! {
            $(#[$meta])*
            pub struct $name {}
            optional {
                /// Which document or result, counting from 0.
                $index: u32,
                /// Where the cited range starts.
                start: u32,
                /// Where it ends.
                end: u32,
            }
        }
    };
}

range_location!(
    /// Characters of a document (`DocumentCharLocation`).
    DocumentCharLocation,
    document_index
);
range_location!(
    /// Pages of a document (`DocumentPageLocation`).
    DocumentPageLocation,
    document_index
);
range_location!(
    /// Chunks of a document (`DocumentChunkLocation`).
    DocumentChunkLocation,
    document_index
);
range_location!(
    /// Content blocks of a search result (`SearchResultLocation`).
    SearchResultLocation,
    search_result_index
);

wire_struct! {
    /// A search result given to the model (`SearchResultBlock`).
    pub struct SearchResultBlock {
        /// Where it was found.
        source: String,
        /// Its title.
        title: String,
        /// Its content.
        content: Vec<SearchResultContentBlock>,
    }
    optional {
        /// Whether it may be cited.
        citations: CitationsConfig,
    }
}

wire_struct! {
    /// A block of a search result (`SearchResultContentBlock`).
    pub struct SearchResultContentBlock {
        /// Its text.
        text: String,
    }
}

open_enum! {
    /// `CachePointType`.
    pub enum CachePointType {
        /// The default cache point.
        Default = "default",
    }
}

open_enum! {
    /// How long a cache entry lives (`CacheTTL`).
    pub enum CacheTtl {
        /// Five minutes.
        FiveMinutes = "5m",
        /// One hour.
        OneHour = "1h",
    }
}

wire_struct! {
    /// A prompt-cache checkpoint (`CachePointBlock`).
    pub struct CachePointBlock {
        /// Its kind.
        r#type: CachePointType,
    }
    optional {
        /// How long it is kept.
        ttl: CacheTtl,
    }
}

open_union! {
    /// Content a guardrail should evaluate (`GuardrailConverseContentBlock`).
    pub enum GuardrailConverseContentBlock {
        /// Text.
        Text(GuardrailConverseTextBlock) = "text",
        /// An image.
        Image(GuardrailConverseImageBlock) = "image",
    }
}

open_enum! {
    /// What a guarded text is (`GuardrailConverseContentQualifier`).
    pub enum GuardrailConverseContentQualifier {
        /// Grounding source for contextual grounding.
        GroundingSource = "grounding_source",
        /// The query for contextual grounding.
        Query = "query",
        /// Content to guard.
        GuardContent = "guard_content",
    }
}

wire_struct! {
    /// Guarded text (`GuardrailConverseTextBlock`).
    pub struct GuardrailConverseTextBlock {
        /// The text.
        text: String,
    }
    optional {
        /// What the text is.
        qualifiers: Vec<GuardrailConverseContentQualifier>,
    }
}

open_enum! {
    /// `GuardrailConverseImageFormat`.
    pub enum GuardrailConverseImageFormat {
        /// PNG.
        Png = "png",
        /// JPEG.
        Jpeg = "jpeg",
    }
}

impl From<GuardrailConverseImageFormat> for ImageFormat {
    fn from(f: GuardrailConverseImageFormat) -> Self {
        ImageFormat::from(f.as_str())
    }
}

wire_struct! {
    /// A guarded image (`GuardrailConverseImageBlock`).
    pub struct GuardrailConverseImageBlock {
        /// Its format.
        format: GuardrailConverseImageFormat,
        /// Its bytes.
        source: GuardrailConverseImageSource,
    }
}

open_union! {
    /// A guarded image's bytes (`GuardrailConverseImageSource`).
    pub enum GuardrailConverseImageSource {
        /// The bytes themselves.
        Bytes(Blob) = "bytes",
    }
}

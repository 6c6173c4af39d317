//! Images and documents as Bedrock checks them, from the API reference's `ImageBlock` and
//! `DocumentBlock` (<https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html>,
//! <https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html>):
//! an image is at most 3.75 MB and there are at most 20; a document is at most 4.5 MB, there
//! are at most 5, and its name is alphanumerics, single whitespace, hyphens, parentheses and
//! square brackets. A video or a recording sent by bytes is under 25 MB once encoded, and a
//! request holds one video (`VideoSource`,
//! <https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_VideoSource.html>;
//! <https://docs.aws.amazon.com/nova/latest/userguide/modalities-video.html>).

use converse_shared::types::{
    AudioBlock, AudioSource, ContentBlock, DocumentBlock, DocumentSource, ImageBlock, ImageFormat,
    ImageSource, VideoBlock, VideoSource,
};
use converse_shared::{BedrockError, ErrorKind};

/// Images one request may hold.
pub(crate) const MAX_IMAGES: usize = 20;
/// Documents one request may hold.
pub(crate) const MAX_DOCUMENTS: usize = 5;
const MAX_IMAGE_BYTES: usize = 3_750_000;
const MAX_DOCUMENT_BYTES: usize = 4_500_000;
/// Videos one request may hold.
pub(crate) const MAX_VIDEOS: usize = 1;
/// Characters of base64 a video or recording must stay under.
const MAX_ENCODED_MEDIA: usize = 25_000_000;

fn invalid(message: String) -> BedrockError {
    BedrockError::new(ErrorKind::Validation, message)
}

/// The image at `at`: its size, and that its bytes are what its format says.
pub(crate) fn image(at: &str, image: &ImageBlock) -> Result<(), BedrockError> {
    let ImageSource::Bytes(bytes) = &image.source else { return Ok(()) };
    let bytes = bytes.as_bytes();
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(invalid(format!(
            "The image at {at} is larger than 3.75 MB. Reduce its size and try again."
        )));
    }
    let signature_matches = match &image.format {
        ImageFormat::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        ImageFormat::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        ImageFormat::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        ImageFormat::Webp => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        _ => false,
    };
    if !signature_matches {
        return Err(invalid(format!(
            "The image at {at} could not be processed: its bytes are not a {} image.",
            image.format
        )));
    }
    Ok(())
}

/// The document at `at`: its name and its size.
pub(crate) fn document(at: &str, document: &DocumentBlock) -> Result<(), BedrockError> {
    let name = &document.name;
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "-()[]".contains(c);
    let doubled_space =
        name.chars().zip(name.chars().skip(1)).any(|(a, b)| a.is_whitespace() && b.is_whitespace());
    if name.is_empty() || name.chars().count() > 200 || !name.chars().all(allowed) || doubled_space {
        return Err(invalid(format!(
            "The document file name at {at}.document.name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character."
        )));
    }
    let size = match &document.source {
        DocumentSource::Bytes(bytes) => bytes.len(),
        DocumentSource::Text(text) => text.len(),
        _ => 0,
    };
    if size > MAX_DOCUMENT_BYTES {
        return Err(invalid(format!(
            "The document at {at} is larger than 4.5 MB. Reduce its size and try again."
        )));
    }
    Ok(())
}

/// A video or a recording at `at` (`kind`): by bytes, under 25 MB once encoded.
pub(crate) fn media(at: &str, kind: &str, bytes: usize) -> Result<(), BedrockError> {
    if bytes.div_ceil(3) * 4 >= MAX_ENCODED_MEDIA {
        return Err(invalid(format!(
            "The {kind} at {at} is larger than 25 MB encoded. Reduce its size or provide it by s3Location and try again."
        )));
    }
    Ok(())
}

/// The byte count of a video sent by bytes (`None` by S3).
pub(crate) fn video_bytes(video: &VideoBlock) -> Option<usize> {
    match &video.source {
        VideoSource::Bytes(b) => Some(b.len()),
        _ => None,
    }
}

/// The byte count of a recording sent by bytes (`None` by S3).
pub(crate) fn audio_bytes(audio: &AudioBlock) -> Option<usize> {
    match &audio.source {
        AudioSource::Bytes(b) => Some(b.len()),
        _ => None,
    }
}

/// What videos and recordings a message brought, for the reply to say so (tests see that the
/// bytes arrived, and as what): "I received a video (mp4, 1234 bytes)."
pub(crate) fn received(content: &[ContentBlock]) -> Option<String> {
    let seen: Vec<String> = content
        .iter()
        .filter_map(|block| {
            let (what, format, bytes) = match block {
                ContentBlock::Video(v) => ("a video", v.format.as_str(), video_bytes(v)),
                ContentBlock::Audio(a) => ("a recording", a.format.as_str(), audio_bytes(a)),
                _ => return None,
            };
            let size = bytes.map_or_else(|| "by S3".to_owned(), |n| format!("{n} bytes"));
            Some(format!("{what} ({format}, {size})"))
        })
        .collect();
    (!seen.is_empty()).then(|| format!("I received {}.", seen.join(" and ")))
}

/// A generated image, as an image-generating model's reply holds one: a 1×1 PNG.
pub(crate) fn generated_image() -> ContentBlock {
    const PNG: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    // A `Blob` is base64 on the wire.
    let bytes = serde_json::from_value(serde_json::Value::from(PNG)).expect("base64");
    ContentBlock::Image(ImageBlock {
        format: ImageFormat::Png,
        source: ImageSource::Bytes(bytes),
        error: None,
        extra: converse_shared::types::Extra::new(),
    })
}

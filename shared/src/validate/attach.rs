//! A file the person attaches, as the content block Bedrock takes: by its bytes (checked
//! against Bedrock's limits), or by an S3 URI (the deployer's role reads the bucket).

use super::{MAX_DOCUMENT_BYTES, check_image, media_size};
use crate::types::*;

fn image_format(mime: &str, extension: &str) -> Option<ImageFormat> {
    match (mime, extension) {
        ("image/png", _) | (_, "png") => Some(ImageFormat::Png),
        ("image/jpeg", _) | (_, "jpg" | "jpeg") => Some(ImageFormat::Jpeg),
        ("image/gif", _) | (_, "gif") => Some(ImageFormat::Gif),
        ("image/webp", _) | (_, "webp") => Some(ImageFormat::Webp),
        _ => None,
    }
}

fn document_format(extension: &str) -> Option<DocumentFormat> {
    Some(match extension {
        "pdf" => DocumentFormat::Pdf,
        "csv" => DocumentFormat::Csv,
        "doc" => DocumentFormat::Doc,
        "docx" => DocumentFormat::Docx,
        "xls" => DocumentFormat::Xls,
        "xlsx" => DocumentFormat::Xlsx,
        "html" | "htm" => DocumentFormat::Html,
        "txt" => DocumentFormat::Txt,
        "md" | "markdown" => DocumentFormat::Md,
        _ => return None,
    })
}

fn not_attachable(file_name: &str) -> String {
    format!(
        "{file_name}: only images (png, jpeg, gif, webp), videos (mp4, mov, mkv, webm, flv, mpeg, wmv, 3gp), recordings (mp3, wav, flac, aac, m4a, ogg, opus) and documents (pdf, csv, doc, docx, xls, xlsx, html, txt, md) can be attached"
    )
}

/// A file in S3 (`s3://bucket/key`, Bedrock's `S3Uri` pattern), as the block that names it:
/// told apart by the key's extension, as [`attachment`] tells files apart. Its size is for
/// Bedrock to check (a video up to 1 GB by S3).
pub fn s3_attachment(uri: &str) -> Result<ContentBlock, String> {
    let uri = uri.trim();
    let (bucket, key) = uri.strip_prefix("s3://").and_then(|rest| rest.split_once('/')).unwrap_or_default();
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    let name = key.rsplit('/').next().unwrap_or_default();
    if !bucket_ok || name.is_empty() || uri.len() > 1024 {
        return Err(format!("{uri}: not an S3 URI of a file (s3://bucket/path/file.mp4)"));
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let location = S3Location { uri: uri.to_owned(), bucket_owner: None, extra: Extra::new() };
    if let Some(format) = image_format("", &extension) {
        let source = ImageSource::S3Location(location);
        return Ok(ContentBlock::Image(ImageBlock { format, source, error: None, extra: Extra::new() }));
    }
    if let Some(found) = media(name, "", &extension, 1) {
        return Ok(match found? {
            Media::Video(format) => ContentBlock::Video(VideoBlock {
                format,
                source: VideoSource::S3Location(location),
                extra: Extra::new(),
            }),
            Media::Audio(format) => ContentBlock::Audio(AudioBlock {
                format,
                source: AudioSource::S3Location(location),
                error: None,
                extra: Extra::new(),
            }),
        });
    }
    let Some(format) = document_format(&extension) else { return Err(not_attachable(name)) };
    Ok(ContentBlock::Document(DocumentBlock {
        name: document_name(name),
        source: DocumentSource::S3Location(location),
        format: Some(format),
        context: None,
        citations: None,
        extra: Extra::new(),
    }))
}

/// A document name Bedrock accepts, made from a file's name: its stem, with characters Bedrock
/// does not allow turned into spaces, runs of spaces made one, at most 200 characters.
pub fn document_name(file_name: &str) -> String {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    let cleaned: String = stem
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '-' | '(' | ')' | '[' | ']') { c } else { ' ' })
        .collect();
    let name: String = cleaned.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
    if name.trim().is_empty() { "document".to_owned() } else { name.trim_end().to_owned() }
}

/// A file the person attached, as the content block Bedrock takes: an image (png, jpeg, gif,
/// webp; checked by its bytes), a video (mp4, mov, mkv, webm, flv, mpeg, wmv, 3gp), a
/// recording (mp3, wav, flac, aac, m4a, ogg, opus, webm, mka) or a document (pdf, csv, doc,
/// docx, xls, xlsx, html, txt, md), told apart by the file's type or extension. The error
/// says, for people, what is wrong.
pub fn attachment(file_name: &str, mime: &str, bytes: Vec<u8>) -> Result<ContentBlock, String> {
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if let Some(format) = image_format(mime, &extension) {
        check_image(&format, &bytes).map_err(|why| format!("{file_name}: {why}"))?;
        return Ok(ContentBlock::Image(ImageBlock {
            format,
            source: ImageSource::Bytes(Blob(bytes)),
            error: None,
            extra: Extra::new(),
        }));
    }
    if mime.starts_with("image/") {
        return Err(format!("{file_name}: images must be png, jpeg, gif or webp"));
    }
    if let Some(block) = media(file_name, mime, &extension, bytes.len()) {
        let block = block?;
        return Ok(match block {
            Media::Video(format) => ContentBlock::Video(VideoBlock {
                format,
                source: VideoSource::Bytes(Blob(bytes)),
                extra: Extra::new(),
            }),
            Media::Audio(format) => ContentBlock::Audio(AudioBlock {
                format,
                source: AudioSource::Bytes(Blob(bytes)),
                error: None,
                extra: Extra::new(),
            }),
        });
    }
    let Some(format) = document_format(&extension) else { return Err(not_attachable(file_name)) };
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "{file_name}: the document is {:.2} MB; the limit is 4.5 MB",
            bytes.len() as f64 / 1e6
        ));
    }
    if bytes.is_empty() {
        return Err(format!("{file_name}: the file is empty"));
    }
    Ok(ContentBlock::Document(DocumentBlock {
        name: document_name(file_name),
        source: DocumentSource::Bytes(Blob(bytes)),
        format: Some(format),
        context: None,
        citations: None,
        extra: Extra::new(),
    }))
}

enum Media {
    Video(VideoFormat),
    Audio(AudioFormat),
}

/// A video or a recording, by the file's type (`video/…`, `audio/…`) or else its extension
/// (`webm` is a video unless the type says audio); `None` for neither. Checked against
/// [`MAX_MEDIA_BYTES`].
fn media(file_name: &str, mime: &str, extension: &str, len: usize) -> Option<Result<Media, String>> {
    let audio_type = mime.starts_with("audio/");
    let video = match (mime, extension) {
        _ if audio_type => None,
        ("video/mp4", _) | (_, "mp4" | "m4v") => Some(VideoFormat::Mp4),
        ("video/quicktime", _) | (_, "mov") => Some(VideoFormat::Mov),
        ("video/x-matroska", _) | (_, "mkv") => Some(VideoFormat::Mkv),
        ("video/webm", _) | (_, "webm") => Some(VideoFormat::Webm),
        ("video/x-flv", _) | (_, "flv") => Some(VideoFormat::Flv),
        ("video/mpeg", _) | (_, "mpeg") => Some(VideoFormat::Mpeg),
        (_, "mpg") => Some(VideoFormat::Mpg),
        ("video/x-ms-wmv", _) | (_, "wmv") => Some(VideoFormat::Wmv),
        ("video/3gpp", _) | (_, "3gp") => Some(VideoFormat::ThreeGp),
        _ => None,
    };
    let audio = match (mime, extension) {
        _ if video.is_some() => None,
        ("audio/mpeg" | "audio/mp3", _) | (_, "mp3") => Some(AudioFormat::Mp3),
        ("audio/wav" | "audio/x-wav" | "audio/wave", _) | (_, "wav") => Some(AudioFormat::Wav),
        ("audio/flac" | "audio/x-flac", _) | (_, "flac") => Some(AudioFormat::Flac),
        ("audio/aac", _) | (_, "aac") => Some(AudioFormat::Aac),
        ("audio/mp4" | "audio/x-m4a", _) | (_, "m4a") => Some(AudioFormat::M4a),
        ("audio/opus", _) | (_, "opus") => Some(AudioFormat::Opus),
        ("audio/ogg", _) | (_, "ogg" | "oga") => Some(AudioFormat::Ogg),
        ("audio/webm", _) => Some(AudioFormat::Webm),
        (_, "mka") => Some(AudioFormat::Mka),
        _ => None,
    };
    let (what, found) = match (video, audio) {
        (Some(format), _) => ("video", Media::Video(format)),
        (None, Some(format)) => ("recording", Media::Audio(format)),
        (None, None) if mime.starts_with("video/") || audio_type => {
            return Some(Err(format!(
                "{file_name}: videos must be mp4, mov, mkv, webm, flv, mpeg, wmv or 3gp, and recordings mp3, wav, flac, aac, m4a, ogg or opus"
            )));
        }
        (None, None) => return None,
    };
    Some(if len == 0 {
        Err(format!("{file_name}: the file is empty"))
    } else {
        media_size(what, len).map(|()| found).map_err(|why| format!("{file_name}: {why}"))
    })
}

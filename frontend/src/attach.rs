//! Files the person attaches: read from the picker, a paste or a drop, checked against
//! Bedrock's limits ([`converse_shared::validate::attachment`]), previewed, and sent as content
//! blocks with the message.

use converse_shared::{AudioBlock, ContentBlock, DocumentBlock, ImageBlock, VideoBlock};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The files of a file list (from a picker, a paste or a drop).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// A file's bytes.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("{}: the file could not be read", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// How a block is shown: an image, a video or a recording (by an object URL of its bytes), or
/// by name only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// `<img>`.
    Image,
    /// `<video controls>`.
    Video,
    /// `<audio controls>`.
    Audio,
}

/// A block's bytes with their MIME type and how they are shown, for the blocks shown by a
/// preview (images, videos and recordings sent by bytes).
fn media(block: &ContentBlock) -> Option<(Shown, String, &[u8])> {
    use converse_shared::{AudioSource, ImageSource, VideoSource};
    match block {
        ContentBlock::Image(i) => match &i.source {
            ImageSource::Bytes(b) => Some((Shown::Image, format!("image/{}", i.format), b.as_bytes())),
            _ => None,
        },
        ContentBlock::Video(v) => match &v.source {
            VideoSource::Bytes(b) => {
                let kind = match v.format.as_str() {
                    "mov" => "quicktime",
                    "mkv" => "x-matroska",
                    "three_gp" => "3gpp",
                    other => other,
                };
                Some((Shown::Video, format!("video/{kind}"), b.as_bytes()))
            }
            _ => None,
        },
        ContentBlock::Audio(a) => match &a.source {
            AudioSource::Bytes(b) => {
                let kind = match a.format.as_str() {
                    "mp3" => "mpeg",
                    "m4a" => "mp4",
                    other => other,
                };
                Some((Shown::Audio, format!("audio/{kind}"), b.as_bytes()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// An object URL of an image's, a video's or a recording's bytes (the page's CSP allows
/// `blob:` images and media), and how to show it; `None` for other blocks.
pub fn preview(block: &ContentBlock) -> Option<(Shown, String)> {
    let (shown, mime, bytes) = media(block)?;
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    Some((shown, web_sys::Url::create_object_url_with_blob(&blob).ok()?))
}

/// The element showing a [`preview`], labelled `label`.
pub fn preview_view(shown: Shown, src: String, label: String) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    match shown {
        Shown::Image => view! { <img src=src alt=label /> }.into_any(),
        Shown::Video => {
            view! { <video src=src controls preload="metadata" aria-label=label></video> }.into_any()
        }
        Shown::Audio => {
            view! { <audio src=src controls preload="metadata" aria-label=label></audio> }.into_any()
        }
    }
}

/// The bytes a block carries (an image, a video, a recording or a document sent by bytes).
pub fn bytes_of(block: &ContentBlock) -> usize {
    match block {
        ContentBlock::Document(d) => match &d.source {
            converse_shared::DocumentSource::Bytes(b) => b.len(),
            _ => 0,
        },
        other => media(other).map_or(0, |(_, _, bytes)| bytes.len()),
    }
}

/// The S3 URI a block names its file by, if it does.
pub fn s3_uri(block: &ContentBlock) -> Option<&str> {
    use converse_shared::{AudioSource, DocumentSource, ImageSource, VideoSource};
    let location = match block {
        ContentBlock::Image(ImageBlock { source: ImageSource::S3Location(l), .. })
        | ContentBlock::Video(VideoBlock { source: VideoSource::S3Location(l), .. })
        | ContentBlock::Audio(AudioBlock { source: AudioSource::S3Location(l), .. })
        | ContentBlock::Document(DocumentBlock { source: DocumentSource::S3Location(l), .. }) => l,
        _ => return None,
    };
    Some(&location.uri)
}

/// A short description of an attachment: its name and size ("in S3" for a file named by its
/// S3 URI).
pub fn label(block: &ContentBlock) -> String {
    let name = match block {
        ContentBlock::Image(i) => format!("{} image", i.format),
        ContentBlock::Video(v) => format!("{} video", v.format),
        ContentBlock::Audio(a) => format!("{} recording", a.format),
        ContentBlock::Document(d) => d.name.clone(),
        other => other.member_name().to_owned(),
    };
    if let Some(uri) = s3_uri(block) {
        return format!("{} (in S3)", uri.rsplit('/').next().unwrap_or(uri));
    }
    let bytes = bytes_of(block);
    if bytes >= 1_000_000 {
        format!("{name} ({:.1} MB)", bytes as f64 / 1e6)
    } else {
        format!("{name} ({} KB)", bytes.div_ceil(1000))
    }
}

/// The files carried by a drag, a paste, or an `<input type=file>`.
pub fn event_files(event: &web_sys::Event) -> Vec<web_sys::File> {
    if let Some(drag) = event.dyn_ref::<web_sys::DragEvent>() {
        return files_of(drag.data_transfer().and_then(|d| d.files()));
    }
    if let Some(paste) = event.dyn_ref::<web_sys::ClipboardEvent>() {
        return files_of(paste.clipboard_data().and_then(|d| d.files()));
    }
    let input = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
    files_of(input.and_then(|i| i.files()))
}

/// Offers `text` to the person as a download named `file_name`.
pub fn download(file_name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(link) = document.and_then(|d| d.create_element("a").ok()) {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", file_name);
        if let Some(link) = link.dyn_ref::<web_sys::HtmlElement>() {
            link.click();
        }
    }
    // The download reads the URL after this returns; let it go a little later.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
}

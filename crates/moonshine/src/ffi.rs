//! The C library from the `moonshine-cpp` wheel, opened at run time with `dlopen`.
//!
//! The wheel ships no header; the signatures below are those of its ctypes wrapper (`moonshine_cpp.py`):
//!
//! ```c
//! int  moonshine_load_model(const char *encoder, const char *decoder, const char *tokenizer, int32_t model_type);
//! int  moonshine_transcribe(int handle, const float *pcm_16k, size_t n, char **out_text);   // 0 = ok
//! int  moonshine_transcribe_wav(int handle, const char *wav_path, char **out_text);         // not used here
//! void moonshine_free_text(char *text);
//! void moonshine_free_model(int handle);
//! ```
//!
//! Linking: `libmoonshine.so` NEEDs `libonnxruntime.so.1`, which is the SONAME of the wheel's
//! `libonnxruntime.so.1.22.1`. Opening ONNX Runtime first, by full path, is enough: when `dlopen` then
//! resolves libmoonshine's NEEDED entry, glibc matches it against the SONAME of every object already loaded
//! and reuses ours, so no `LD_LIBRARY_PATH`, rpath or patching is needed. Checked: libmoonshine alone fails
//! with "libonnxruntime.so.1: cannot open shared object file"; after ONNX Runtime it loads, even with ONNX
//! Runtime opened `RTLD_LOCAL` under its wheel name `libonnxruntime.so.1.22.1`. (`RTLD_GLOBAL` is therefore not
//! what makes it work, but it is harmless.) ONNX Runtime stays mapped after the last `dlclose`; loading again
//! works.
//!
//! Handles index a global `std::vector<MoonshineModel*>` inside the library: loading pushes onto it and
//! freeing nulls the slot. Loads and frees therefore take [`REGISTRY`] exclusively and transcriptions take
//! it shared, so that a load can never reallocate the vector under a running transcription.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Mutex, PoisonError, RwLock};

use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_LOCAL, RTLD_NOW};

use crate::{Files, MoonshineError};

/// `MOONSHINE_MODEL_TYPE_BASE` in the Python wrapper (0 is tiny).
const MODEL_TYPE_BASE: i32 = 1;

/// Shortest input given to the library: shorter audio is padded with silence. The encoder's convolutions need
/// at least 895 samples (56 ms); on less, ONNX Runtime throws a C++ exception that the library does not catch,
/// which aborts the whole process. A quarter of a second leaves a wide margin.
const MIN_SAMPLES: usize = 4_000;

type LoadModelFn = unsafe extern "C" fn(*const c_char, *const c_char, *const c_char, i32) -> c_int;
type TranscribeFn = unsafe extern "C" fn(c_int, *const f32, usize, *mut *mut c_char) -> c_int;
type FreeTextFn = unsafe extern "C" fn(*mut c_char);
type FreeModelFn = unsafe extern "C" fn(c_int);

/// Serialises loads and frees (exclusive) against transcriptions (shared) across every model in the process.
static REGISTRY: RwLock<()> = RwLock::new(());

/// One model handle and the libraries its functions live in.
pub(crate) struct Model {
    handle: Mutex<c_int>,
    transcribe: TranscribeFn,
    free_text: FreeTextFn,
    free_model: FreeModelFn,
    // Dropped in this order, after `Drop::drop` has freed the handle: libmoonshine, then ONNX Runtime.
    _moonshine: Library,
    _onnxruntime: Library,
}

impl Model {
    pub(crate) fn load(files: &Files) -> Result<Model, MoonshineError> {
        let encoder = c_path(&files.encoder)?;
        let decoder = c_path(&files.decoder)?;
        let tokenizer = c_path(&files.tokenizer)?;

        // SAFETY: ONNX Runtime 1.22.1 is a well-behaved shared library whose initialisers only set up its own
        // globals; the path is the file the install script copied from the pinned, hash-checked wheel.
        let onnxruntime = unsafe { Library::open(Some(&files.onnxruntime), RTLD_NOW | RTLD_GLOBAL) }
            .map_err(|e| MoonshineError::LoadLibrary { path: files.onnxruntime.clone(), message: e.to_string() })?;
        // SAFETY: as above, for libmoonshine.so from the same wheel; its NEEDED libonnxruntime.so.1 is the
        // library opened just before (matched by SONAME), which stays loaded as long as this one.
        let moonshine = unsafe { Library::open(Some(&files.moonshine), RTLD_NOW | RTLD_LOCAL) }
            .map_err(|e| MoonshineError::LoadLibrary { path: files.moonshine.clone(), message: e.to_string() })?;

        let symbol_error = |symbol: &'static str, e: libloading::Error| MoonshineError::MissingSymbol {
            path: files.moonshine.clone(),
            symbol,
            message: e.to_string(),
        };
        // The raw function pointers copied out below are only called while `moonshine` is loaded: they live in
        // the same `Model`, which drops the library after freeing the handle.
        // SAFETY: the type is the signature in the wheel's ctypes wrapper (see the module docs).
        let load_model: LoadModelFn = *unsafe { moonshine.get::<LoadModelFn>("moonshine_load_model") }
            .map_err(|e| symbol_error("moonshine_load_model", e))?;
        // SAFETY: as for moonshine_load_model.
        let transcribe: TranscribeFn = *unsafe { moonshine.get::<TranscribeFn>("moonshine_transcribe") }
            .map_err(|e| symbol_error("moonshine_transcribe", e))?;
        // SAFETY: as for moonshine_load_model.
        let free_text: FreeTextFn = *unsafe { moonshine.get::<FreeTextFn>("moonshine_free_text") }
            .map_err(|e| symbol_error("moonshine_free_text", e))?;
        // SAFETY: as for moonshine_load_model.
        let free_model: FreeModelFn = *unsafe { moonshine.get::<FreeModelFn>("moonshine_free_model") }
            .map_err(|e| symbol_error("moonshine_free_model", e))?;

        let handle = {
            let _registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
            // SAFETY: three NUL-terminated paths of existing files, valid for the whole call (the library reads the
            // files during it), and the model type of the bundled base-en weights. The registry lock is held
            // exclusively.
            unsafe { load_model(encoder.as_ptr(), decoder.as_ptr(), tokenizer.as_ptr(), MODEL_TYPE_BASE) }
        };
        if handle < 0 {
            return Err(MoonshineError::ModelLoad { dir: files.dir.clone(), code: handle });
        }
        Ok(Model {
            handle: Mutex::new(handle),
            transcribe,
            free_text,
            free_model,
            _moonshine: moonshine,
            _onnxruntime: onnxruntime,
        })
    }

    /// 16 kHz mono samples in [-1, 1] → the library's text. Input shorter than [`MIN_SAMPLES`] is padded.
    pub(crate) fn transcribe(&self, pcm: &[f32]) -> Result<String, MoonshineError> {
        let padded;
        let pcm = if pcm.len() < MIN_SAMPLES {
            padded = [pcm, &[0.0; MIN_SAMPLES][pcm.len()..]].concat();
            &padded[..]
        } else {
            pcm
        };
        let _registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        let handle = self.handle.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text: *mut c_char = std::ptr::null_mut();
        // SAFETY: `*handle` is a live handle (freed only in Drop); `pcm` is valid for `pcm.len()` floats for the
        // duration of the call, and long enough not to make ONNX Runtime throw (see MIN_SAMPLES); `text` is a
        // valid place for the library to store a malloc'd string. This handle's mutex and the shared registry lock
        // are held, so no other call uses the handle or reshapes the registry.
        let code = unsafe { (self.transcribe)(*handle, pcm.as_ptr(), pcm.len(), &mut text) };
        let result = if text.is_null() {
            String::new()
        } else {
            // SAFETY: on return the library hands over a NUL-terminated string that stays valid until freed.
            let owned = unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned();
            // SAFETY: `text` came from this library's moonshine_transcribe and is freed exactly once.
            unsafe { (self.free_text)(text) };
            owned
        };
        if code != 0 {
            return Err(MoonshineError::Transcribe { code });
        }
        Ok(result)
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        let handle = *self.handle.get_mut().unwrap_or_else(PoisonError::into_inner);
        let _registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: the handle came from moonshine_load_model, is freed exactly once (here), and no call can be using
        // it: `drop` has exclusive access to `self`, and the registry is held exclusively.
        unsafe { (self.free_model)(handle) };
    }
}

fn c_path(path: &Path) -> Result<CString, MoonshineError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| MoonshineError::BadPath { path: path.to_path_buf() })
}

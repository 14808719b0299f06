"""Where a local model comes from: a folder, the local Hugging Face cache, or the Hub, checked before loading.

transformers retries an unreachable Hub for about a minute before it gives up with an OSError. This module
answers first, in well under a second: a folder is used as is; a Hub id found in the local cache is used from
there without any network; an id that is not cached is an immediate, specific error when ``HF_HUB_OFFLINE`` is
set or the Hub cannot be reached, and says how to get the model.
"""

from __future__ import annotations

from pathlib import Path

from optagent.errors import InputError

PROBE_TIMEOUT_S = 10.0


def _get_it(name: str) -> str:
    return (
        f"download it where there is network (`hf download {name}`) and copy the Hugging Face cache "
        "(~/.cache/huggingface, or $HF_HOME) here, or pass a local model folder"
    )


def resolve_model(name: str, what: str = "model") -> str:
    """A path transformers can load from without touching the network when it need not: the folder itself,
    the snapshot folder of a cached Hub id, or the Hub id when it is reachable (transformers downloads it)."""
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    try:
        from huggingface_hub import HfApi, constants, snapshot_download
        from huggingface_hub.errors import GatedRepoError, HFValidationError, RepositoryNotFoundError
    except ImportError:  # no transformers stack: the caller says which extra to install
        return name

    try:
        return str(snapshot_download(name, local_files_only=True))
    except HFValidationError:
        raise InputError(
            f"{what} {name!r} is neither a folder nor a Hugging Face model id",
            hint="give a local model folder (with config.json) or an id such as Qwen/Qwen2.5-1.5B-Instruct",
        ) from None
    except Exception:  # not in the cache (LocalEntryNotFoundError and relatives)
        pass
    cache = constants.HF_HUB_CACHE
    if constants.HF_HUB_OFFLINE:
        raise InputError(
            f"{what} {name!r} is not in the local Hugging Face cache ({cache}) and HF_HUB_OFFLINE is set",
            hint=_get_it(name),
        )
    try:
        HfApi().model_info(name, timeout=PROBE_TIMEOUT_S)
    except RepositoryNotFoundError:
        raise InputError(
            f"{what} {name!r} is not a folder here and not a model on the Hugging Face Hub",
            hint="check the spelling (ids look like Qwen/Qwen2.5-1.5B-Instruct), or pass a local folder",
        ) from None
    except GatedRepoError:
        raise InputError(
            f"{what} {name!r} is gated on the Hugging Face Hub",
            hint="accept its licence on its Hub page, then `hf auth login` (or set HF_TOKEN)",
        ) from None
    except Exception as exc:  # no network, DNS, proxy, timeout, TLS: the download could not work either
        raise InputError(
            f"{what} {name!r} is not in the local Hugging Face cache ({cache}) and the Hub cannot be "
            f"reached ({type(exc).__name__}: {exc})",
            hint=_get_it(name) + "; with HF_HUB_OFFLINE=1 optagent never tries the network",
        ) from None
    return name

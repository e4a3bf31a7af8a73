"""One chat reply from a loaded ``llama_cpp.Llama``, run inside the model's worker thread.

The conversation is rendered with the chat template embedded in the GGUF file (through
llama-cpp-python's own Jinja2 formatter), tokenized, checked against the context window, and
completed. Usage comes from llama.cpp's tokenizer: the prompt's token count, and the completion
count the library reports (for a streamed reply, which the library does not count, the reply
re-tokenized).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autobyteus_core import LLMBadRequestError, LLMContextLengthError, LLMResponseError, Message

CHAT_TEMPLATE_KEY = "tokenizer.chat_template"


@dataclass
class GenerationParams:
    """Sampling parameters of one call."""

    max_tokens: int
    temperature: float
    seed: int
    stop: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChatTemplates:
    """Where a model's chat template comes from: ``override`` (a setting) wins over the template
    embedded in the GGUF file, which wins over ``fallback`` (known models published without one)."""

    override: str | None = None
    fallback: str | None = None

    def choose(self, llama: Any) -> str:
        """The template to render with, or :class:`LLMBadRequestError` when there is none."""
        template = self.override or llama.metadata.get(CHAT_TEMPLATE_KEY) or self.fallback
        if not template:
            raise LLMBadRequestError(
                f"the model file {llama.model_path} has no embedded chat template "
                f"({CHAT_TEMPLATE_KEY}); set llamacpp.chat_template to a Jinja2 chat template"
            )
        return str(template)


@dataclass
class Generation:
    """What a call produced."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None


def _token_text(llama: Any, token: int) -> str:
    if token < 0:
        return ""
    return bytes(llama.detokenize([token], special=True)).decode("utf-8", errors="ignore")


def render_prompt(
    llama: Any, messages: Sequence[Message], templates: ChatTemplates
) -> tuple[list[int], list[str], Any]:
    """Tokens of the templated conversation, its stop strings, and its stopping criteria."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    eos = llama.token_eos()
    try:
        formatter = Jinja2ChatFormatter(
            template=templates.choose(llama),
            eos_token=_token_text(llama, eos),
            bos_token=_token_text(llama, llama.token_bos()),
            stop_token_ids=[eos] if eos >= 0 else None,
        )
        chat: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
        rendered = formatter(messages=chat)
    except LLMBadRequestError:
        raise
    except Exception as exc:  # a Jinja syntax error, or the template's own raise_exception
        raise LLMBadRequestError(f"the model's chat template rejected the messages: {exc}") from exc
    tokens = llama.tokenize(
        rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
    )
    stop = rendered.stop if isinstance(rendered.stop, list) else [rendered.stop]
    return tokens, [s for s in stop if s], rendered.stopping_criteria


def generate(
    llama: Any,
    messages: Sequence[Message],
    params: GenerationParams,
    templates: ChatTemplates,
    on_text: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Generation:
    """Complete ``messages``; with ``on_text``, stream each piece of text as it is decoded.

    Raises :class:`LLMContextLengthError` when the prompt leaves no room in the context window.
    Setting ``cancel`` (from another thread) stops the generation at the next token.
    """
    from llama_cpp import StoppingCriteriaList

    tokens, stop, template_criteria = render_prompt(llama, messages, templates)
    context = int(llama.n_ctx())
    if len(tokens) >= context:
        raise LLMContextLengthError(
            f"the prompt is {len(tokens)} tokens but the model's context window holds {context}; "
            "shorten the input or raise llamacpp.context_size (AUTOBYTEUS_LLAMACPP__CONTEXT_SIZE)"
        )
    criteria = StoppingCriteriaList(list(template_criteria or []))
    if cancel is not None:
        criteria.append(lambda _ids, _logits: cancel.is_set())
    arguments: dict[str, Any] = {
        "prompt": tokens,
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "seed": params.seed,
        "stop": [*stop, *params.stop],
        "stopping_criteria": criteria,
        "stream": on_text is not None,
    }
    try:
        if on_text is None:
            result = llama.create_completion(**arguments)
            choice = result["choices"][0]
            usage = result["usage"]
            return Generation(
                text=choice["text"],
                prompt_tokens=int(usage["prompt_tokens"]),
                completion_tokens=int(usage["completion_tokens"]),
                finish_reason=choice.get("finish_reason"),
            )
        pieces: list[str] = []
        finish_reason: str | None = None
        for chunk in llama.create_completion(**arguments):
            choice = chunk["choices"][0]
            if choice["text"]:
                pieces.append(choice["text"])
                on_text(choice["text"])
            finish_reason = choice.get("finish_reason") or finish_reason
    except ValueError as exc:
        raise LLMBadRequestError(f"llama.cpp refused the request: {exc}") from exc
    except RuntimeError as exc:
        raise LLMResponseError(f"llama.cpp failed while generating: {exc}") from exc
    text = "".join(pieces)
    counted = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True) if text else []
    return Generation(
        text=text,
        prompt_tokens=len(tokens),
        completion_tokens=len(counted),
        finish_reason="cancelled" if cancel is not None and cancel.is_set() else finish_reason,
    )

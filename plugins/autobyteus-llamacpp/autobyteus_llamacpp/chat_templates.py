"""Chat templates for known GGUF files that were published without one.

Written for this plugin in the Jinja2 dialect GGUF chat templates use (rendered by
llama-cpp-python's ``Jinja2ChatFormatter``). A GGUF file's own embedded template always wins over
these.
"""

from __future__ import annotations

#: Gemma's turn format: ``<start_of_turn>user`` / ``<start_of_turn>model`` turns ended by
#: ``<end_of_turn>``. Gemma has no system role, so system text opens the first user turn.
GEMMA_TURNS = (
    "{{ bos_token }}"
    "{% set system = namespace(text='') %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}"
    "{% set system.text = system.text + message['content'] + '\\n\\n' %}"
    "{% else %}"
    "{{ '<start_of_turn>' + ('model' if message['role'] == 'assistant' else 'user') + '\\n' }}"
    "{% if message['role'] == 'user' %}{{ system.text }}{% set system.text = '' %}{% endif %}"
    "{{ message['content'] | trim }}{{ '<end_of_turn>\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)

"""The API ``?`` query stack machine (MikroTik "API" manual, section "Queries": https://help.mikrotik.com/docs/spaces/ROS/pages/47579160/API).

Per row: the stack starts as an infinite supply of ``true``; each query word pushes or combines
values; the row matches when no ``false`` is left.  Words (without their leading ``?``):

* ``name``            push: row has a value for ``name``
* ``-name``           push: row has no value for ``name``
* ``name=x``, ``=name=x``   push: value equals ``x``
* ``<name=x``, ``>name=x``  push: value less / greater than ``x``
* ``#ops``            stack operations, see ``_ops``

Comparison is typed (the manual compares values, not texts): the caller supplies ``typer(name)`` returning a
``rosvalues`` type, so ``?=disabled=no`` matches a row printing ``disabled=false`` and numbers and
durations compare by value.  Without a type, two integers still compare numerically and
yes/no/true/false compare as booleans.

Choices where the manual is silent: a missing property compares equal to the empty string
(``?=comment=`` matches rows without a comment) unless the caller passes its hidden default, and is never ``<``/``>`` anything; ``~`` (regex,
unsupported by the API) is not an operator, so ``?~name=x`` names a property no row has and matches nothing.
"""

from emulator.rosvalues import FALSE_WORDS, TRUE_WORDS


class QueryError(ValueError):
    """A malformed ``?#`` word."""


def _generic_key(text):
    low = str(text).lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    try:
        if str(int(text)) == str(text).lstrip('+'):
            return int(text)
    except ValueError:
        pass
    return text


def _keys(name, stored, operand, typer):
    rtype = typer(name) if typer else None
    if rtype is not None:
        return rtype.key(stored), rtype.query_key(operand)
    return _generic_key(stored), _generic_key(operand)


def _compare(row, name, op, operand, typer, defaults):
    if name not in row and defaults and name in defaults:
        row = {name: defaults[name]}
    if name not in row:
        return op == '=' and operand == ''
    left, right = _keys(name, row[name], operand, typer)
    if op == '=':
        return left == right
    try:
        return left < right if op == '<' else left > right
    except TypeError:
        left, right = str(row[name]), str(operand)
        return left < right if op == '<' else left > right


class _Stack:
    def __init__(self):
        self.items = []
        self.fill = True     # value of the infinite bottom

    def push(self, value):
        self.items.append(bool(value))

    def pop(self):
        return self.items.pop() if self.items else self.fill

    def peek(self, index):
        if index < len(self.items):
            return self.items[-1 - index]
        return self.fill

    def replace_all(self, value):
        self.items = []
        self.fill = value

    def ok(self):
        return self.fill and all(self.items)


def _ops(stack, ops):
    i = 0
    after_index = False
    while i < len(ops):
        char = ops[i]
        if char.isdigit():
            j = i
            while j < len(ops) and ops[j].isdigit():
                j += 1
            value = stack.peek(int(ops[i:j]))
            if j == len(ops):
                stack.replace_all(value)
            else:
                stack.push(value)
            i = j
            after_index = True
            continue
        if char == '!':
            stack.push(not stack.pop())
        elif char == '&':
            a, b = stack.pop(), stack.pop()
            stack.push(a and b)
        elif char == '|':
            a, b = stack.pop(), stack.pop()
            stack.push(a or b)
        elif char == '.':
            if not after_index:
                stack.push(stack.peek(0))
        else:
            raise QueryError(ops)
        after_index = False
        i += 1


def parse(words):
    """Pre-parse query words into (kind, name, op, operand) steps; raises QueryError on a bad ``#`` word."""
    steps = []
    for word in words:
        if word.startswith('#'):
            for char in word[1:]:
                if not (char.isdigit() or char in '!&|.'):
                    raise QueryError(word)
            steps.append(('ops', word[1:], None, None))
        elif word[:1] in ('<', '>', '='):
            name, _sep, operand = word[1:].partition('=')
            steps.append(('cmp', name, word[0], operand))
        elif word.startswith('-'):
            steps.append(('absent', word[1:], None, None))
        elif '=' in word:
            name, _sep, operand = word.partition('=')
            steps.append(('cmp', name, '=', operand))
        else:
            steps.append(('present', word, None, None))
    return steps


def matches(steps, row, typer=None, defaults=None):
    stack = _Stack()
    for kind, name, op, operand in steps:
        if kind == 'ops':
            _ops(stack, name)
        elif kind == 'cmp':
            stack.push(_compare(row, name, op, operand, typer, defaults))
        elif kind == 'absent':
            stack.push(name not in row)
        else:
            stack.push(name in row)
    return stack.ok()


def select(rows, words, typer=None, defaults=None):
    """Rows (dicts of printed values) that match the query words, in order.

    ``defaults`` are values a row has although print hides them (``template=no``, ``port=500``): comparisons
    see them, presence tests (``?name``/``?-name``) do not -- print omits them, so the API treats them as absent.
    """
    if not words:
        return list(rows)
    steps = parse(words)
    return [row for row in rows if matches(steps, row, typer, defaults)]

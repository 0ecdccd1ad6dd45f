# json: dumps layouts and escapes, loads in the text's key order, JSONDecodeError messages
import json

data = {'name': 'Ada', 'age': 36, 'tags': ['x', 'y'], 'ok': True, 'none': None, 'pi': 3.5,
        'nested': {'b': 1, 'a': [1, {'z': False}]}, 'empty': {}, 'el': []}
print(json.dumps(data))
print(json.dumps(data, sort_keys=True))
print(json.dumps(data['nested'], sort_keys=True, indent=2))
print(json.dumps([1, [2, []], {}], indent='\t'), json.dumps({'a': 1, 'b': [1, 2]}, separators=(',', ':')), json.dumps([1, 2], indent=0))
print(json.dumps('héllo "q"\n\t\\ \x01'), json.dumps('héllo ☃', ensure_ascii=False), json.dumps('\u2603 \U0001f600'))
print(json.dumps({1: 'int', 2.5: 'float', True: 't', None: 'n', 'k': (1, 2)}), json.dumps(1e20), json.dumps(float('-inf')), json.dumps(10 ** 20), json.dumps(-0.0))
print(json.dumps({'s': {3, 1}}, default=sorted), json.dumps({(1, 2): 'x', 'y': 1}, skipkeys=True))
back = json.loads('{"b": [1, 2.0, "s", null, true, false], "a": {"c": -1e3, "d": 12345678901234567890}}')
print(back, list(back), type(back['b'][1]).__name__)
print(json.loads('"\\u00e9\\n\\ud83d\\ude00"'), json.loads('  [ ]  '), json.loads('NaN'), json.loads(' -12 '), json.loads('[1, 1.5e3, -0.25]'))
print(json.loads('{"a": 1, "a": 2}'), json.loads('{"x": 1}', object_hook=lambda d: sorted(d.items())), json.loads('[1, 2.5]', parse_float=str))
print(json.loads(json.dumps(data)) == data)
for bad in ['{"a": 1,}', '', '[1, 2', "{'a': 1}", '1 2', '{"a" 1}', '"abc', '[1,]', '["a\\x"]', '{"a":\n  tru}']:
    try:
        json.loads(bad)
    except json.JSONDecodeError as e:
        print('JSONDecodeError:', e, '|', e.msg, e.pos, e.lineno, e.colno)
for obj in [{'s': {1, 2}}, {(1, 2): 'x'}, float('nan')]:
    try:
        print(json.dumps(obj, allow_nan=False))
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
loop = []
loop.append(loop)
try:
    json.dumps(loop)
except ValueError as e:
    print('ValueError', e)
print(issubclass(json.JSONDecodeError, ValueError), json.JSONDecodeError.__mro__[1].__name__)

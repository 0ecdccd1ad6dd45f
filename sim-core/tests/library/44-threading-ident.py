# ident/native_id types; None before start; kept after join; get_ident() agreement
import threading

main = threading.current_thread()
print('main:', main.name, type(main.ident).__name__, type(main.native_id).__name__,
      main.ident == threading.get_ident(), main.native_id == threading.get_native_id())
print('main_thread():', threading.main_thread() is main)
seen = {}
def work():
    me = threading.current_thread()
    seen['ident'] = me.ident
    seen['get_ident'] = threading.get_ident()
    seen['native'] = me.native_id

t = threading.Thread(target=work)
print('before start:', t.ident, t.native_id, t.is_alive(), repr(t.daemon))
t.start(); t.join()
print('after join ident int:', isinstance(t.ident, int), t.ident == seen['ident'] == seen['get_ident'])
print('native int:', isinstance(t.native_id, int), t.native_id == seen['native'])
print('differs from main:', t.ident != main.ident, t.ident > 0)
print('is_alive:', t.is_alive(), 'active_count:', threading.active_count())
try:
    t.start()
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    threading.Thread(target=work).join()
except RuntimeError as e:
    print('RuntimeError:', e)
try:
    main.join()
except RuntimeError as e:
    print('RuntimeError:', e)
print(repr(threading.Thread(name='x')))

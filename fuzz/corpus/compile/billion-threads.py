import threading
for i in range(10 ** 9):
    threading.Thread(target=lambda: None).start()

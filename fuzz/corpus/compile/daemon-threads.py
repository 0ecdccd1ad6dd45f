"""Daemon vs non-daemon threads

The main thread waits for the non-daemon thread, which sleeps WORK seconds; meanwhile the daemon thread prints every PAUSE seconds. When the program ends, the daemon thread is stopped abruptly in the middle of its loop.

Topic: Threads
Notes: Deamon thread
Output: unordered
"""
import threading
import time

PAUSE = 0.5  # slider: 0.1..2 Daemon thread's sleep between prints (s)
WORK = 2.25  # slider: 0.1..10 Non-daemon thread's sleep (s)

def daemon_task():
    while True:
        print("Daemon thread running...")
        time.sleep(PAUSE)

def non_daemon_task():
    print("Non-daemon thread starting...")
    time.sleep(WORK)
    print("Non-daemon thread finished.")

# Create a daemon thread
daemon_thread = threading.Thread(target=daemon_task, daemon=True)

# Create a non-daemon thread
non_daemon_thread = threading.Thread(target=non_daemon_task)

# Start both threads
daemon_thread.start()
non_daemon_thread.start()

# Wait for the non-daemon thread to finish
non_daemon_thread.join()

print("Main program finished.")

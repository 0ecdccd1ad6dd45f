import multiprocessing as mp
import time

def nap():
    time.sleep(5)

class Worker(mp.Process):
    def run(self):
        pass

if __name__ == '__main__':
    a = mp.Process(target=nap, name='napper')
    b = mp.Process(target=nap)
    print(a.name, b.name, Worker().name, mp.Process(target=nap).name)
    a.start()
    a.terminate()
    a.join()
    print('terminated exitcode:', a.exitcode, a.is_alive())
    w = Worker()
    w.start(); w.join()
    print('worker exitcode:', w.exitcode)
    d = mp.Process(target=nap, daemon=True)
    d.start()
    print('daemon alive:', d.is_alive())

# Found by the `run` target (LeakSanitizer): a forked process's module state held its own
# Process object, whose slot held that state — an Arc cycle leaking per run.
import multiprocessing

class Worker(multiprocessing.Process):
    def run(self):
        print("child", self.name)

if __name__ == "__main__":
    w = Worker()
    w.start()
    w.join()
    print("exit", w.exitcode)

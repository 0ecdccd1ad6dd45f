"""Pool: map, apply_async and starmap

Pool(WORKERS) runs square over [1..5] with map, square(10) with apply_async, and multiply over pairs with starmap; results come back in order.

Topic: Pools & executors
Notes: How to Use multiprocessing.Pool
Output: ordered
"""
from multiprocessing import Pool

WORKERS = 4  # slider: 1..16 Pool size

def square(x):
    return x * x

# Defined at module level (the notes define it inside the `with` block): workers
# started before the definition could not unpickle it.
def multiply(x, y):
    return x * y

if __name__ == "__main__":
    with Pool(WORKERS) as p:  # Create a pool with 4 processes
        
        # Using map
        numbers = [1, 2, 3, 4, 5]
        results = p.map(square, numbers)
        print("Results using map:", results)

        # Using apply_async
        result = p.apply_async(square, (10,))
        print("Result using apply_async:", result.get())

        # Using starmap (for functions with multiple arguments)
        pairs = [(1, 2), (3, 4), (5, 6)]
        results = p.starmap(multiply, pairs)
        print("Results using starmap:", results)

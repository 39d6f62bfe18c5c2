"""The book's design, measured: Effective Python (2nd ed.) item 60's Game of Life with
asyncio: one coroutine per cell doing (simulated) network I/O, fanned out and fanned in
with asyncio.gather. Used by bench/engine.ts to compare lifemmo against it on the same
machine in the same run. Prints one JSON line.

    python3 bench/python/asyncio_life.py CELLS LATENCY_MS GENERATIONS
"""
import asyncio
import json
import random
import resource
import sys
import time
import tracemalloc

ALIVE = '*'
EMPTY = '-'


class Grid:
    def __init__(self, height, width):
        self.height = height
        self.width = width
        self.rows = [[EMPTY] * width for _ in range(height)]

    def get(self, y, x):
        return self.rows[y % self.height][x % self.width]

    def set(self, y, x, state):
        self.rows[y % self.height][x % self.width] = state


def count_neighbors(y, x, get):
    n_ = get(y - 1, x + 0)
    ne = get(y - 1, x + 1)
    e_ = get(y + 0, x + 1)
    se = get(y + 1, x + 1)
    s_ = get(y + 1, x + 0)
    sw = get(y + 1, x - 1)
    w_ = get(y + 0, x - 1)
    nw = get(y - 1, x - 1)
    count = 0
    for state in (n_, ne, e_, se, s_, sw, w_, nw):
        if state == ALIVE:
            count += 1
    return count


LATENCY = 0.001


async def game_logic(state, neighbors):
    # The book's "do some input/output in here": simulated network I/O.
    await asyncio.sleep(LATENCY)
    if state == ALIVE:
        if neighbors < 2 or neighbors > 3:
            return EMPTY
    elif neighbors == 3:
        return ALIVE
    return state


async def step_cell(y, x, get, set):
    state = get(y, x)
    neighbors = count_neighbors(y, x, get)
    next_state = await game_logic(state, neighbors)
    set(y, x, next_state)


async def simulate(grid):
    next_grid = Grid(grid.height, grid.width)
    tasks = []
    for y in range(grid.height):
        for x in range(grid.width):
            task = step_cell(y, x, grid.get, next_grid.set)  # Fan out
            tasks.append(task)
    await asyncio.gather(*tasks)  # Fan in
    return next_grid


def main():
    global LATENCY
    cells = int(sys.argv[1])
    LATENCY = float(sys.argv[2]) / 1000
    generations = int(sys.argv[3])
    side = int(round(cells ** 0.5))
    grid = Grid(side, side)
    rnd = random.Random(7)
    for y in range(side):
        for x in range(side):
            if rnd.random() < 0.5:
                grid.set(y, x, ALIVE)
    times = []
    for _ in range(generations):
        start = time.perf_counter()
        grid = asyncio.run(simulate(grid))
        times.append((time.perf_counter() - start) * 1000)
    # One more generation under tracemalloc for the memory per in-flight cell.
    tracemalloc.start()
    asyncio.run(simulate(grid))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        'cells': side * side,
        'ticks': times,
        'bytesPerCell': peak / (side * side),
        'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'python': sys.version.split()[0],
    }))


if __name__ == '__main__':
    main()

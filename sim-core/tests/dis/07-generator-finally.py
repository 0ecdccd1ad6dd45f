def cm():
    try:
        yield h(1)
    finally:
        h()

try:
    try:
        f()
    except E:
        g()
except N:
    h()

def f():
    try:
        try:
            a()
        except E:
            b()
    except N:
        c()
    d()

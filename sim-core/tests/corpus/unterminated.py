def f(:
    '''never closed

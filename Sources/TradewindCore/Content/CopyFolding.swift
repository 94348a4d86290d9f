/// The per-scalar folds behind `CopyText`: what is invisible, what separates, what a letter is
/// compared as.
enum CopyFolding {
    /// Characters that change nothing a reader sees: zero-width space, joiners and non-joiner, word
    /// joiner, byte-order mark, soft hyphen, combining grapheme joiner, Mongolian vowel separator,
    /// the bidi marks, embeddings, overrides and isolates, variation selectors, and in Arabic the
    /// tatweel and the vowel marks (harakat, superscript alef), which copy may or may not write.
    static func isIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00AD, 0x034F, 0x061C, 0x0640, 0x180E, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064,
            0x2066...0x2069, 0xFEFF, 0xFE00...0xFE0F, 0xE0100...0xE01EF, 0x064B...0x065F, 0x0670:
            return true
        default:
            return scalar.properties.generalCategory == .format
        }
    }

    /// Spaces, line breaks, punctuation and symbols: all separate words alike.
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .connectorPunctuation,
            .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
            .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// Scripts written without spaces between words: Han, kana, Hangul (whose particles attach to
    /// the noun), Thai. A term in them matches anywhere, and a separator between two of their
    /// characters is dropped.
    static func isUnspaced(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0E00...0x0E7F, 0x1100...0x11FF, 0x3005...0x3007, 0x3040...0x30FF, 0x3130...0x318F, 0x31F0...0x31FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x3FFFF:
            return true
        default:
            return false
        }
    }

    /// Letters, digits and marks of spaced scripts: what a word boundary separates.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x30...0x39).contains(value) || (0x61...0x7A).contains(value) || (0x41...0x5A).contains(value)
        }
        guard !isUnspaced(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// The scalar as compared: lower-cased, a look-alike letter as the Latin letter it imitates, a
    /// traditional Chinese character as its simplified form.
    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar
        }
        var lower = scalar
        if scalar.properties.changesWhenLowercased, let first = scalar.properties.lowercaseMapping.unicodeScalars.first
        {
            // "İ" lower-cases to "i" and a combining dot: the dot is dropped, as the base letter matters.
            lower = first
        }
        if let latin = confusables[lower.value] { return Unicode.Scalar(latin)! }
        if let simple = simplified[lower.value] { return Unicode.Scalar(simple)! }
        return lower
    }

    /// Lower-case Cyrillic and Greek letters drawn like a Latin letter (after Unicode's
    /// confusables.txt, the pairs used to spoof Latin words), mapped to that letter. Text and rule
    /// phrases fold alike, so a Russian or Greek phrase still matches itself.
    static let confusables: [UInt32: UInt32] = {
        let pairs: [(Character, Character)] = [
            // Cyrillic
            ("а", "a"), ("в", "b"), ("е", "e"), ("ё", "e"), ("һ", "h"), ("н", "h"), ("і", "i"), ("ї", "i"),
            ("ј", "j"), ("к", "k"), ("ӏ", "l"), ("м", "m"), ("о", "o"), ("р", "p"), ("ԛ", "q"), ("с", "c"),
            ("ѕ", "s"), ("т", "t"), ("у", "y"), ("ү", "y"), ("х", "x"), ("ԁ", "d"), ("ԝ", "w"), ("ɡ", "g"),
            // Greek
            ("α", "a"), ("β", "b"), ("ε", "e"), ("η", "n"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ο", "o"),
            ("ρ", "p"), ("τ", "t"), ("υ", "u"), ("χ", "x"), ("ω", "w"),
        ]
        return Dictionary(
            uniqueKeysWithValues: pairs.map { ($0.0.unicodeScalars.first!.value, $0.1.unicodeScalars.first!.value) })
    }()

    /// Traditional Chinese characters and their simplified forms, one to one (OpenCC's
    /// `TSCharacters.txt` for these characters): the ones ad claims, regulated products and common
    /// copy use. A character with several simplified readings (乾, 著) is left as it is.
    static let simplified: [UInt32: UInt32] = {
        let pairs = [
            "國国", "學学", "對对", "這这", "個个", "們们", "來来", "時时", "會会", "後后", "說说", "過过", "還还",
            "發发", "經经", "從从", "東东", "無无", "與与", "見见", "現现", "點点", "開开", "長长", "問问", "關关",
            "機机", "體体", "動动", "實实", "當当", "電电", "種种", "業业", "產产", "樣样", "義义", "頭头", "總总",
            "爲为", "為为", "萬万", "優优", "質质", "價价", "買买", "賣卖", "錢钱", "銷销", "級级", "絕绝", "極极",
            "獨独", "頂顶", "領领", "導导", "專专", "際际", "權权", "證证", "藥药", "療疗", "醫医", "獎奖", "軍军",
            "聯联", "網网", "話话", "語语", "認认", "應应", "廣广", "歡欢", "節节", "費费", "險险", "貨货", "區区",
            "衛卫", "劑剂", "膚肤", "顏颜", "純纯", "淨净", "減减", "輕轻", "壓压", "腦脑", "髮发", "鬆松", "歲岁",
            "齡龄", "婦妇", "兒儿", "嬰婴", "親亲", "愛爱", "樂乐", "選选", "飲饮", "雞鸡", "魚鱼", "鮮鲜", "氣气",
            "溫温", "熱热", "環环", "護护", "確确", "準准", "標标", "檢检", "驗验", "測测", "試试", "線线", "號号",
            "碼码", "訂订", "單单", "車车", "門门", "馬马", "龍龙", "韓韩", "灣湾", "臺台", "華华", "齊齐", "盡尽",
            "贏赢", "敗败", "勝胜", "戰战", "爭争", "偉伟", "傳传", "統统", "舊旧", "蘭兰", "覽览", "觀观", "擇择",
            "續续", "維维", "織织", "紙纸", "組组", "給给", "結结", "約约", "紅红", "綠绿", "藍蓝", "黃黄", "圓圆",
            "團团", "園园", "圖图", "書书", "畫画", "筆笔", "詢询", "諮咨", "詳详", "請请", "讀读", "謝谢", "讓让",
            "設设", "計计", "訊讯", "記记", "許许", "論论", "議议", "調调", "談谈", "變变", "擴扩", "據据", "擁拥",
            "換换", "損损", "掃扫", "搶抢", "奪夺", "虧亏", "減减", "瘦瘦", "癥症", "癒愈", "診诊", "斷断", "藝艺",
            "術术", "獲获", "頒颁", "稱称", "號号", "牆墙", "鐘钟", "錶表", "鑽钻", "銀银", "鐵铁", "銅铜", "塊块",
        ]
        var map: [UInt32: UInt32] = [:]
        for pair in pairs {
            let scalars = Array(pair.unicodeScalars)
            if scalars[0] != scalars[1] { map[scalars[0].value] = scalars[1].value }
        }
        return map
    }()
}
